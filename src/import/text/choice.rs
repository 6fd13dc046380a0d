//! Which list to read when a document holds several.
//!
//! Every numbered list in the text is read as a candidate. The one a person means wins:
//!
//! * a list introduced by a heading or lead-in that says "tiltak", or made of "Tiltak N
//!   <title>" headings, or of "Kap N" chapters, counts far more than one that is not;
//! * a table of contents never wins: it is recognised by page numbers at the end of most
//!   items, or by most of its items coming back later in the text as headings;
//! * among the rest the longer list wins (the ten actions over a 2–3 item list of
//!   strategies); the first of equals.
//!
//! A named section, or the overview heading, chooses directly; the other lists are still
//! reported, with their first line and size, so the person can pick another.

use super::{
    ListSummary, ParseError, ParsedPlan,
    lines::{Kind, Line, is_heading_like, wrap_threshold},
    parser::{Parser, excerpt},
    section::{Section, ends_in_page_number, heading_key},
};

/// At most this many lists are weighed; a hostile text of a million one-item lists is
/// read in linear time all the same.
const MAX_LISTS: usize = 200;
/// How many lines above a list its heading or lead-in may stand.
const LEAD_IN_LINES: usize = 6;

/// Bonus for a list a person would call "the actions"; larger than any length difference.
const MEANT_BONUS: i64 = 100_000;
/// A table of contents loses against any list.
const CONTENTS_PENALTY: i64 = 1_000_000;

struct Candidate {
    start: usize,
    end: usize,
    plan: ParsedPlan,
    summary: ListSummary,
    score: i64,
}

/// Reads the section's list, or the best of all lists; see the module documentation.
pub(super) fn choose(lines: &[Line], section: Option<Section>) -> Result<ParsedPlan, ParseError> {
    let wrap_chars = wrap_threshold(lines);
    let candidates = candidates(lines, wrap_chars);
    let (mut plan, start, end) = match &section {
        Some(section) => {
            let mut parser = Parser::new(lines, wrap_chars);
            let end = parser.run(section.index);
            let plan = parser.finish();
            if plan.chapters.iter().all(|c| c.actions.is_empty()) {
                return Err(ParseError::NoActions {
                    section: Some(section.name.clone()),
                });
            }
            let first = first_action_line(&plan).map_or(section.index, |line| line - 1);
            let summary = summarize(lines, first, &plan, Some(section.name.clone()));
            (
                ParsedPlan {
                    list: Some(summary),
                    ..plan
                },
                section.index,
                end,
            )
        }
        None => {
            let best = candidates
                .iter()
                .enumerate()
                .max_by_key(|(i, c)| (c.score, std::cmp::Reverse(*i)))
                .map(|(i, _)| i)
                .ok_or(ParseError::NoActions { section: None })?;
            let chosen = &candidates[best];
            let plan = ParsedPlan {
                list: Some(chosen.summary.clone()),
                ..chosen.plan.clone()
            };
            (plan, chosen.start, chosen.end)
        }
    };
    plan.other_lists = candidates
        .into_iter()
        .filter(|c| c.end <= start || c.start >= end)
        .map(|c| c.summary)
        .collect();
    Ok(plan)
}

fn first_action_line(plan: &ParsedPlan) -> Option<usize> {
    plan.chapters.iter().flat_map(|c| &c.actions).map(|a| a.line).min()
}

/// Every list in the text, in order, each read as far as it goes.
fn candidates(lines: &[Line], wrap_chars: usize) -> Vec<Candidate> {
    let mut found = Vec::new();
    let mut from = 0;
    while found.len() < MAX_LISTS {
        let Some(start) = lines
            .get(from..)
            .and_then(|rest| rest.iter().position(Line::starts_list))
            .map(|offset| from + offset)
        else {
            break;
        };
        let mut parser = Parser::new(lines, wrap_chars);
        let end = parser.run(start).max(start + 1);
        let plan = parser.finish();
        from = end;
        if plan.chapters.iter().all(|c| c.actions.is_empty()) {
            continue;
        }
        let floor = found.last().map_or(0, |c: &Candidate| c.end);
        let heading = lead_in(lines, start, floor);
        let mut summary = summarize(lines, start, &plan, heading);
        summary.contents = is_contents(lines, start, end, &plan);
        let score = score(lines, start, end, &summary);
        found.push(Candidate {
            start,
            end,
            plan,
            summary,
            score,
        });
    }
    found
}

/// `first` is the index of the line the list's first item stands on.
fn summarize(lines: &[Line], first: usize, plan: &ParsedPlan, heading: Option<String>) -> ListSummary {
    ListSummary {
        line: first + 1,
        heading,
        first_line: lines.get(first).map(|l| excerpt(&l.text)).unwrap_or_default(),
        actions: plan.chapters.iter().map(|c| c.actions.len()).sum(),
        contents: false,
    }
}

/// The heading or lead-in above a list: the nearest text lines above it (a wrapped heading
/// gives two), within [`LEAD_IN_LINES`] and not reaching into the list before.
fn lead_in(lines: &[Line], start: usize, floor: usize) -> Option<String> {
    let mut collected: Vec<&str> = Vec::new();
    let lowest = start.saturating_sub(LEAD_IN_LINES).max(floor);
    for line in lines[lowest..start].iter().rev() {
        match line.kind {
            Kind::Blank | Kind::PageNumber if collected.is_empty() => continue,
            Kind::Text if collected.len() < 2 => collected.push(&line.text),
            _ => break,
        }
    }
    collected.reverse();
    let text = collected.join(" ");
    (!text.is_empty()).then(|| excerpt(&text))
}

/// A table of contents: most items end in a page number, or come back later as headings.
fn is_contents(lines: &[Line], start: usize, end: usize, plan: &ParsedPlan) -> bool {
    let items: Vec<&str> = plan
        .chapters
        .iter()
        .flat_map(|c| &c.actions)
        .map(|a| lines.get(a.line - 1).map_or("", |l| l.text.as_str()))
        .collect();
    if items.len() < 2 {
        return false;
    }
    let paged = items.iter().filter(|item| ends_in_page_number(item)).count();
    if paged * 3 >= items.len() * 2 {
        return true;
    }
    let later: std::collections::HashSet<String> = lines[end.max(start)..]
        .iter()
        .filter(|l| !matches!(l.kind, Kind::Blank | Kind::PageNumber) && is_heading_like(&l.text))
        .map(|l| heading_key(&l.text))
        .collect();
    let again = items
        .iter()
        .filter(|item| {
            // A contents entry is a short title; a wrapped action repeated in the body's
            // text is none.
            let entry = item.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '…' || c == ' ');
            let key = heading_key(entry);
            is_heading_like(entry) && !key.is_empty() && later.contains(&key)
        })
        .count();
    again * 2 > items.len()
}

fn score(lines: &[Line], start: usize, end: usize, summary: &ListSummary) -> i64 {
    if summary.contents {
        return -CONTENTS_PENALTY + summary.actions as i64;
    }
    let range = &lines[start..end.min(lines.len())];
    let headed = range.iter().any(|l| matches!(l.kind, Kind::HeadingAction { .. }));
    let chaptered = range.iter().any(|l| matches!(l.kind, Kind::Chapter { .. }));
    let says_tiltak = summary.heading.as_deref().is_some_and(|h| {
        h.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.starts_with("tiltak"))
    });
    let meant = headed || chaptered || says_tiltak;
    summary.actions as i64 + if meant { MEANT_BONUS } else { 0 }
}
