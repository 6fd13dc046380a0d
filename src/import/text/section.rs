//! Where the list starts: after the section heading a person named, or after the overview
//! heading. Without either, [`super::choice`] weighs every list in the document.
//!
//! A heading is found as a person reads it: case, extra spaces and punctuation do not count,
//! a leading section number ("3.2") is ignored, the first words of a heading are enough
//! ("Oversikt over tiltak" finds "OVERSIKT OVER TILTAK I PLANEN 2025–2028"), and a heading
//! that the extracted text wraps onto the next line is found by its words across both lines.

use super::{
    OVERVIEW_HEADING, ParseError,
    lines::{Kind, Line, is_heading_like},
};

/// Where the chosen section's list starts.
pub(super) struct Section {
    /// The line after the heading (after both lines of a wrapped heading).
    pub(super) index: usize,
    /// The heading as the person wrote it (or [`OVERVIEW_HEADING`]).
    pub(super) name: String,
}

/// Normalised form of a heading for comparison: lowercase words, punctuation and a leading
/// section number dropped ("3.2 Mål:" and "MÅL" both give "mål").
pub(super) fn heading_key(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    let mut words = spaced.split_whitespace().peekable();
    let numbered = text.trim_start().starts_with(|c: char| c.is_ascii_digit());
    while numbered
        && words
            .peek()
            .is_some_and(|w| w.len() <= 3 && w.bytes().all(|b| b.is_ascii_digit()))
    {
        words.next();
    }
    words.collect::<Vec<_>>().join(" ")
}

/// How well a place in the text matches the wanted heading; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// One line, all of it.
    Exact,
    /// Two lines, all of them: a wrapped heading.
    ExactWrapped,
    /// The first words of one heading line.
    Prefix,
    /// The first words of a wrapped heading.
    PrefixWrapped,
}

/// A contents entry ("Tiltak i planen ........ 8", "4. Tiltak 8") names a heading but is
/// not one.
fn is_contents_entry(text: &str, kind: &Kind) -> bool {
    let without_page = text.trim_end_matches(|c: char| c.is_ascii_digit());
    let leaders = without_page.trim_end().ends_with("..") || without_page.trim_end().ends_with('…');
    without_page.len() < text.len() && (leaders || (matches!(kind, Kind::Action { .. }) && ends_in_page_number(text)))
}

/// "1. Innledning ........ 3", "2. Mål 5": a contents entry's page number.
pub(super) fn ends_in_page_number(item: &str) -> bool {
    let Some((before, last)) = item.rsplit_once(' ') else {
        return false;
    };
    let page = last.trim_start_matches(['.', '…']);
    (1..=3).contains(&page.len())
        && page.bytes().all(|b| b.is_ascii_digit())
        && (last.len() > page.len() || before.ends_with(['.', '…']) || !before.ends_with(['.', ',', ';', ':']))
}

/// Whether `key` is `wanted` or starts with it followed by more words.
fn starts_with_words(key: &str, wanted: &str) -> bool {
    key.strip_prefix(wanted).is_some_and(|rest| rest.starts_with(' '))
}

/// Finds the wanted heading; the best [`Fit`] wins, the first one among equals.
fn find_heading(lines: &[Line], wanted: &str) -> Option<usize> {
    let key = heading_key(wanted);
    if key.is_empty() {
        return None;
    }
    let mut best: Option<(Fit, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        if matches!(line.kind, Kind::Blank | Kind::PageNumber) || is_contents_entry(&line.text, &line.kind) {
            continue;
        }
        let line_key = heading_key(&line.text);
        // Only text can wrap onto a heading's second line.
        let next = lines
            .get(i + 1)
            .filter(|next| matches!(next.kind, Kind::Text) && is_heading_like(&next.text))
            .map(|next| format!("{line_key} {}", heading_key(&next.text)));
        // Running text that starts with the same words is no heading.
        let heading = is_heading_like(&line.text) || !matches!(line.kind, Kind::Text | Kind::Url);
        let fit = if line_key == key {
            Some(Fit::Exact)
        } else if next.as_deref() == Some(key.as_str()) {
            Some(Fit::ExactWrapped)
        } else if heading && starts_with_words(&line_key, &key) {
            Some(Fit::Prefix)
        } else if heading && next.as_deref().is_some_and(|n| starts_with_words(n, &key)) {
            Some(Fit::PrefixWrapped)
        } else {
            None
        };
        if let Some(fit) = fit
            && best.is_none_or(|(b, _)| fit < b)
        {
            // A wrapped heading's list starts after its second line.
            let index = match fit {
                Fit::ExactWrapped | Fit::PrefixWrapped => i + 2,
                // A heading whose rest wrapped onto the next line, the list right after.
                Fit::Exact | Fit::Prefix
                    if next.is_some() && lines.get(i + 2).is_none_or(|l| l.starts_list() || l.chars == 0) =>
                {
                    i + 2
                }
                Fit::Exact | Fit::Prefix => i + 1,
            };
            best = Some((fit, index));
        }
    }
    best.map(|(_, index)| index)
}

/// The section to read: the named one, else the overview heading when the text has it.
///
/// # Errors
///
/// [`ParseError::SectionNotFound`] when a named section does not occur.
pub(super) fn locate_section(lines: &[Line], section: Option<&str>) -> Result<Option<Section>, ParseError> {
    if let Some(wanted) = section {
        return match find_heading(lines, wanted) {
            Some(index) => Ok(Some(Section {
                index,
                name: wanted
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim_end_matches(':')
                    .to_string(),
            })),
            None => Err(ParseError::SectionNotFound(wanted.to_string())),
        };
    }
    let overview = heading_key(OVERVIEW_HEADING);
    Ok(lines
        .iter()
        .position(|l| heading_key(&l.text) == overview)
        .map(|i| Section {
            index: i + 1,
            name: OVERVIEW_HEADING.to_string(),
        }))
}
