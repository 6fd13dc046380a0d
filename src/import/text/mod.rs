//! Reading numbered actions ("tiltak") from plain text extracted from a
//! municipal plan document (as written, or as read from a Word or PDF file).
//!
//! The module is pure: it takes the extracted text and returns chapters,
//! actions and human-readable warnings. It performs no I/O.
//!
//! # Supported layouts
//!
//! * **Overview with chapters** (Ringsaker's preventive plan): a section that
//!   starts at the heading [`OVERVIEW_HEADING`] and holds chapter headings
//!   (`Kap 7: Title`, `Kap. 16: Title:`) followed by numbered actions
//!   (`1. text`) whose text wraps over several lines and page breaks.
//! * **Headed actions with bullets**: `Tiltak 3 Alkoholpolitikk` or
//!   `Tiltak 3: Alkoholpolitikk`, followed by bullet lines (`•`, `-`, `–`,
//!   `o `, ...). The heading is the action title; the bullets, each ended with a
//!   period and joined by a space, are the description
//!   (`"Bullet one. Bullet two."`). A heading without bullets uses the heading
//!   as its description.
//! * **Plain numbered lists** (`1. Høy sysselsetting`, `5.Hjemmebesøk`),
//!   optionally selected by the heading they follow.
//!
//! Actions that appear before any chapter heading go into a chapter with
//! `number: None` and an empty title.
//!
//! # Choosing what to parse
//!
//! * `section: Some(heading)`: parsing starts after that heading, found as a
//!   person reads it (see `section.rs`: case, spaces and punctuation ignored,
//!   a prefix is enough, a heading wrapped onto two lines is found). Lines
//!   between the heading and the first action are skipped with a warning.
//! * `section: None` and the text has the overview heading: as above, with
//!   that heading.
//! * Otherwise every numbered list is weighed and the one a person means is
//!   read (see `choice.rs`); [`ParsedPlan::list`] names it and
//!   [`ParsedPlan::other_lists`] the others.
//!
//! # Where a list ends
//!
//! A list ends at the first line that is neither a chapter heading, nor an
//! action, nor a continuation of the current action. A text line continues
//! the current action when
//!
//! * it starts with a lowercase letter (the sentence goes on, possibly after a
//!   page break), or
//! * the action's text is an unfinished sentence whose last line was wrapped
//!   (long compared with the document's typical line length), or
//! * it follows the action's text directly (no blank line) and does not look
//!   like a heading (short, capitalised, no final punctuation), or
//! * it starts a new paragraph after a blank line and the list demonstrably
//!   goes on after it (the next structural line is the next action number or
//!   a chapter heading). This keeps the second paragraph of a multi-paragraph
//!   action while stopping at the body heading that follows the list.
//!
//! A short heading-like line inside the list (e.g. a running page header) is
//! skipped with a warning, as is a bare link line (`http://...`) standing on
//! its own after a blank line (PDF link annotations). Lines holding only a
//! page number are ignored silently. A numbered section heading such as
//! `3.1 Hovedmål og lovkrav` always ends the list, and so do numbering that
//! starts again at 1 without a chapter heading, a short heading-like item
//! after a blank line whose number goes back ("5. Oppfølging" after 8), and
//! "Tiltak N" headings after a plain numbered list.
//!
//! # Joining wrapped lines
//!
//! Whitespace runs collapse to one space. A line ending in a slash after a
//! word of two or more letters (`skolehelsetjenesten/`) is joined without a
//! space; the same applies to `word/ word` inside a line (but `v/ lederteam`,
//! a one-letter abbreviation, is left alone). For a line ending in a hyphen
//! directly after a word, see [`join_hyphenated`].
//!
//! # Titles
//!
//! The title is the first sentence or clause of the description: it ends at
//! ". " before a capital (not after "bl.a.", "jf." and the like), ":", ";" or
//! a spaced dash, but never within the first 15 characters. Longer than 120
//! characters, it is cut at the last clause comma that leaves at least 40
//! characters (not a comma between list items, not the comma closing an
//! opening "Med forbehold om ..."/"Når ..." clause), else at the last word
//! boundary, dropping dangling function words ("for", "og", ...), and a cut
//! title ends with "…" (the whole text stays in the description). No trailing
//! period is added.

mod choice;
mod hints;
mod join;
mod lines;
mod parser;
mod section;
mod titles;

#[cfg(test)]
mod tests;

use std::fmt;

pub use hints::{detect_decision_ref, detect_recurrence};
pub use join::{HyphenJoin, join_hyphenated};
use lines::{Line, looks_like_text};
use section::locate_section;

pub use super::ListSummary;
use crate::domain::Recurrence;

/// Heading that introduces the list of proposed actions in the plans this
/// importer was written for. Used as the section when none is given.
pub const OVERVIEW_HEADING: &str = "Oversikt over planens foreslåtte tiltak";

/// The result of parsing a plan: chapters with their actions, plus warnings
/// about everything that looked odd (skipped lines, numbering gaps, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPlan {
    /// Chapters in document order; at least one when parsing succeeds.
    pub chapters: Vec<ParsedChapter>,
    /// Human-readable warnings, each starting with `line N:`.
    pub warnings: Vec<String>,
    /// The list that was read.
    pub list: Option<ListSummary>,
    /// The other numbered lists in the text, which were not read.
    pub other_lists: Vec<ListSummary>,
}

/// A chapter ("Kap 7: Title") and its actions.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedChapter {
    /// Chapter number, `None` when the list has no chapter headings.
    pub number: Option<u32>,
    /// Chapter title without the "Kap N:" prefix and trailing colon; empty for
    /// an unnamed chapter.
    pub title: String,
    /// Actions in document order.
    pub actions: Vec<ParsedAction>,
}

/// One numbered action.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAction {
    /// Number within the chapter.
    pub number: u32,
    /// Short form: first sentence or clause, at most 120 characters, cut at a
    /// word boundary, without trailing period. For headed actions
    /// ("Tiltak 3 Alkoholpolitikk") the heading text.
    pub title: String,
    /// The whole text joined into clean sentences, without the redundant
    /// decision marker ("Vedtak i KST 032/24: ...").
    pub description: String,
    /// Council decision that added the action, e.g. "KST 032/24".
    pub decision_ref: Option<String>,
    /// Recurrence detected from the wording.
    pub recurrence: Recurrence,
    /// 1-based line in the input where the action starts.
    pub line: usize,
}

/// Why a text could not be imported.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// The input is empty or whitespace only.
    Empty,
    /// The input holds NUL bytes or mostly non-printable characters (e.g. a
    /// PDF or Word file given as text).
    NotText,
    /// No numbered action was found, in the given section if any.
    NoActions {
        /// The section that was searched, if one was used.
        section: Option<String>,
    },
    /// The requested section heading does not occur in the text.
    SectionNotFound(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "the text is empty; there is nothing to import"),
            ParseError::NotText => write!(
                f,
                "the input does not look like plain text (binary data or NUL bytes); \
                 extract the text from the document first"
            ),
            ParseError::NoActions { section: Some(section) } => {
                write!(f, "no numbered actions found in section \"{section}\"")
            }
            ParseError::NoActions { section: None } => {
                write!(f, "no numbered actions found in the text")
            }
            ParseError::SectionNotFound(section) => {
                write!(f, "section heading \"{section}\" not found in the text")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses text extracted from a plan document into chapters and numbered
/// actions.
///
/// `section` names the heading after which the list of actions starts; see
/// the module documentation for what happens when it is `None`.
///
/// # Errors
///
/// [`ParseError::Empty`] for blank input, [`ParseError::NotText`] for binary
/// input, [`ParseError::SectionNotFound`] when `section` does not occur and
/// [`ParseError::NoActions`] when no numbered action was found.
pub fn parse_plan_text(input: &str, section: Option<&str>) -> Result<ParsedPlan, ParseError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if !looks_like_text(input) {
        return Err(ParseError::NotText);
    }

    let lines: Vec<Line> = input.lines().map(Line::new).collect();
    let section = locate_section(&lines, section)?;
    choice::choose(&lines, section)
}
