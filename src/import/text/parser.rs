//! Reading the list line by line: chapters, actions, their continuation lines and bullets, and
//! where the list ends.

use super::{
    ParsedAction, ParsedChapter, ParsedPlan,
    hints::{detect_decision_ref, detect_recurrence, strip_decision_markers},
    join::{join_line, terminate_segment},
    lines::{Kind, Line, ends_sentence, is_bare_url, is_heading_like, starts_lowercase},
    titles::{make_title, shorten_title},
};

/// How far ahead to look for the next action when deciding whether a new
/// paragraph still belongs to the list.
pub(super) const LOOKAHEAD_LINES: usize = 40;

pub(super) struct ChapterBuilder {
    number: Option<u32>,
    title: String,
    line: usize,
    actions: Vec<ParsedAction>,
    /// Highest number used so far (0 before the first action).
    last_number: u32,
}

impl ChapterBuilder {
    fn label(&self) -> String {
        match self.number {
            Some(n) => format!("chapter {n}"),
            None => "list".to_string(),
        }
    }
}

pub(super) struct OpenAction {
    number: u32,
    line: usize,
    heading_title: Option<String>,
    text: String,
    /// Length of the last source line added, to tell wrapped lines apart.
    last_line_chars: usize,
    /// The text ends inside a bullet, which gets a period when closed.
    in_bullet: bool,
    /// A bullet marker stood alone; its text is on the next line.
    awaiting_bullet_text: bool,
}

pub(super) enum Decision {
    Continue,
    Skip,
    End,
}

pub(super) struct Parser<'a> {
    lines: &'a [Line],
    wrap_chars: usize,
    chapters: Vec<ChapterBuilder>,
    open: Option<OpenAction>,
    warnings: Vec<String>,
    /// Whether the list's actions are "Tiltak N" headings; `None` before the first.
    headed: Option<bool>,
}

impl<'a> Parser<'a> {
    /// A parser over `lines`; `wrap_chars` is [`super::lines::wrap_threshold`] of them,
    /// worked out once for all the lists read from one text.
    pub(super) fn new(lines: &'a [Line], wrap_chars: usize) -> Self {
        Parser {
            lines,
            wrap_chars,
            chapters: Vec::new(),
            open: None,
            warnings: Vec::new(),
            headed: None,
        }
    }

    /// Parses from `start` until the list ends; returns the index of the line
    /// where it stopped.
    pub(super) fn run(&mut self, start: usize) -> usize {
        let lines = self.lines;
        let mut blank_before = false;
        let mut i = start;
        while i < lines.len() {
            let line = &lines[i];
            let line_no = i + 1;
            // Skipped lines count as blank so that they do not glue their
            // neighbours together.
            let mut acts_as_blank = false;
            match &line.kind {
                Kind::Blank | Kind::PageNumber => acts_as_blank = true,
                Kind::Chapter { number, title } => self.open_chapter(*number, title, line_no),
                Kind::HeadingAction { number, title } => {
                    // "Tiltak 1 …" headings after a plain numbered list start a list of
                    // their own (a short list of strategies, then the actions).
                    if self.headed == Some(false) {
                        break;
                    }
                    self.headed = Some(true);
                    self.open_action(*number, line_no, Some(title.clone()), "", line.chars);
                }
                Kind::Action { number, rest } => {
                    if self.number_continues_text(*number, rest) {
                        self.append_text(&line.text, line.chars);
                    } else if self.headed == Some(true) && self.open.is_some() {
                        // Numbered points under a "Tiltak N" heading are its bullets.
                        self.append_bullet(&line.text, line.chars);
                    } else if self.chapters.last().is_some_and(|c| {
                        // Numbering starts again without a chapter heading: another list.
                        (*number == 1 && c.last_number > 0)
                            // "5. Oppfølging og evaluering" after action 8: the document's
                            // next numbered section, not an action.
                            || (blank_before && *number <= c.last_number && is_heading_like(&line.text))
                    }) {
                        break;
                    } else {
                        self.headed = Some(false);
                        self.open_action(*number, line_no, None, rest, line.chars);
                    }
                }
                Kind::Bullet { rest, dash } => {
                    if self.open.is_none() {
                        self.skip(line_no, &line.text);
                        acts_as_blank = true;
                    } else if *dash && starts_lowercase(rest) && self.open_is_unfinished() {
                        // "– tiltaksvifta skal ..." continuing a wrapped
                        // sentence is a dash, not a bullet.
                        self.append_text(&line.text, line.chars);
                    } else {
                        self.append_bullet(rest, line.chars);
                    }
                }
                Kind::NumberedHeading => break,
                Kind::Url | Kind::Text => match self.decide(i, blank_before) {
                    Decision::Continue => self.append_text(&line.text, line.chars),
                    Decision::Skip => {
                        self.skip(line_no, &line.text);
                        acts_as_blank = true;
                    }
                    Decision::End => break,
                },
            }
            blank_before = acts_as_blank;
            i += 1;
        }
        self.close_action();
        i
    }

    /// Decides what a text line means for the open action; see the module
    /// documentation for the rules.
    fn decide(&self, i: usize, blank_before: bool) -> Decision {
        let line = &self.lines[i];
        let Some(open) = &self.open else {
            // Before the first action of the section or of a chapter.
            return Decision::Skip;
        };
        if open.text.is_empty() || open.awaiting_bullet_text {
            return Decision::Continue;
        }
        if matches!(line.kind, Kind::Url) {
            // A link standing on its own after a blank line, or after a
            // finished sentence (text extracted without blank lines), is a
            // PDF link annotation, not text. (Checked before the lowercase
            // rule, as links start with a lowercase "http".)
            return if blank_before || ends_sentence(&open.text) {
                Decision::Skip
            } else {
                Decision::Continue
            };
        }
        if starts_lowercase(&line.text) {
            return Decision::Continue;
        }
        let unfinished = self.open_is_unfinished();
        let heading = is_heading_like(&line.text);
        if unfinished && !(blank_before && heading) {
            return Decision::Continue;
        }
        if !blank_before && !heading {
            return Decision::Continue;
        }
        if !self.list_continues_after(i) {
            return Decision::End;
        }
        if heading && !unfinished {
            // A short stray line inside the list: page header or similar.
            Decision::Skip
        } else {
            Decision::Continue
        }
    }

    /// The open action's text is a sentence cut by a line wrap.
    fn open_is_unfinished(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|o| !ends_sentence(&o.text) && o.last_line_chars >= self.wrap_chars)
    }

    /// An "N. text" line that is really a wrapped sentence ("... elever i" /
    /// "2. trinn ..."): unexpected number, lowercase text, unfinished sentence.
    fn number_continues_text(&self, number: u32, rest: &str) -> bool {
        number != self.expected_number() && starts_lowercase(rest) && self.open_is_unfinished()
    }

    fn expected_number(&self) -> u32 {
        self.chapters.last().map_or(1, |c| c.last_number + 1)
    }

    /// Looks past the paragraph starting at line `i`: does the list go on
    /// with the next action number or a chapter heading?
    fn list_continues_after(&self, i: usize) -> bool {
        let expected = self.expected_number();
        let mut after_blank = false;
        for line in self.lines.iter().skip(i + 1).take(LOOKAHEAD_LINES) {
            match &line.kind {
                Kind::Blank | Kind::PageNumber => {
                    after_blank = true;
                    continue;
                }
                Kind::Text if after_blank && is_heading_like(&line.text) => return false,
                Kind::Text | Kind::Url | Kind::Bullet { .. } => {}
                Kind::Action { number, .. } | Kind::HeadingAction { number, .. } => {
                    return *number == expected;
                }
                Kind::Chapter { .. } => return true,
                Kind::NumberedHeading => return false,
            }
            after_blank = false;
        }
        false
    }

    fn skip(&mut self, line_no: usize, text: &str) {
        let what = if is_bare_url(text) { "bare link line" } else { "line" };
        self.warnings.push(format!(
            "line {line_no}: skipped {what} that is not part of any action: \"{}\"",
            excerpt(text)
        ));
    }

    fn open_chapter(&mut self, number: u32, title: &str, line_no: usize) {
        self.close_action();
        self.chapters.push(ChapterBuilder {
            number: Some(number),
            title: title.to_string(),
            line: line_no,
            actions: Vec::new(),
            last_number: 0,
        });
    }

    /// Opens an action. Gaps and repeats are warned about afterwards, by
    /// [`crate::import::numbering`], the same way for every format.
    fn open_action(
        &mut self,
        number: u32,
        line_no: usize,
        heading_title: Option<String>,
        first_text: &str,
        line_chars: usize,
    ) {
        self.close_action();
        if self.chapters.is_empty() {
            self.chapters.push(ChapterBuilder {
                number: None,
                title: String::new(),
                line: line_no,
                actions: Vec::new(),
                last_number: 0,
            });
        }
        let chapter = self.chapters.last_mut().expect("a chapter was just ensured");
        chapter.last_number = chapter.last_number.max(number);
        self.open = Some(OpenAction {
            number,
            line: line_no,
            heading_title,
            text: first_text.to_string(),
            last_line_chars: line_chars,
            in_bullet: false,
            awaiting_bullet_text: false,
        });
    }

    fn append_text(&mut self, text: &str, line_chars: usize) {
        if let Some(open) = self.open.as_mut() {
            join_line(&mut open.text, text);
            open.last_line_chars = line_chars;
            open.awaiting_bullet_text = false;
        }
    }

    fn append_bullet(&mut self, rest: &str, line_chars: usize) {
        if let Some(open) = self.open.as_mut() {
            terminate_segment(&mut open.text);
            if !rest.is_empty() {
                if !open.text.is_empty() {
                    open.text.push(' ');
                }
                open.text.push_str(rest);
            }
            open.in_bullet = true;
            open.awaiting_bullet_text = rest.is_empty();
            open.last_line_chars = line_chars;
        }
    }

    fn close_action(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let Some(chapter) = self.chapters.last_mut() else {
            return;
        };
        let mut text = open.text;
        if open.in_bullet {
            terminate_segment(&mut text);
        }
        let heading = open.heading_title.filter(|t| !t.is_empty());
        if text.is_empty() && heading.is_none() {
            self.warnings.push(format!(
                "line {}: {}: action {} has no text; skipped",
                open.line,
                chapter.label(),
                open.number
            ));
            return;
        }
        // For headed actions the heading carries meaning too ("Årlig
        // evaluering"), so hints are looked for in heading and text.
        let probe = match &heading {
            Some(h) if text.is_empty() => h.clone(),
            Some(h) => format!("{h}. {text}"),
            None => text.clone(),
        };
        let description = match &heading {
            Some(h) if text.is_empty() => h.clone(),
            _ => strip_decision_markers(&text).to_string(),
        };
        let title = match &heading {
            Some(h) => shorten_title(h),
            None => make_title(&description),
        };
        chapter.actions.push(ParsedAction {
            number: open.number,
            title,
            description,
            decision_ref: detect_decision_ref(&probe),
            recurrence: detect_recurrence(&probe),
            line: open.line,
        });
    }

    pub(super) fn finish(mut self) -> ParsedPlan {
        self.close_action();
        let mut warnings = self.warnings;
        for chapter in &self.chapters {
            if chapter.actions.is_empty() {
                warnings.push(format!("line {}: {} has no actions", chapter.line, chapter.label()));
            }
        }
        let chapters = self
            .chapters
            .into_iter()
            .map(|c| ParsedChapter {
                number: c.number,
                title: c.title,
                actions: c.actions,
            })
            .collect();
        ParsedPlan {
            chapters,
            warnings,
            list: None,
            other_lists: Vec::new(),
        }
    }
}

/// Shortens a line for a warning message.
pub(super) fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
