//! Reading numbered actions ("tiltak") from plain text extracted from a
//! municipal plan document (PDF or Word converted to text).
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
//! * `section: Some(heading)`: parsing starts after the first line equal to
//!   `heading` (case-insensitive, whitespace collapsed, trailing colon and a
//!   leading section number such as `3.2` ignored). Lines between the heading
//!   and the first action are skipped with a warning.
//! * `section: None` and the text has the overview heading: as above, with
//!   that heading.
//! * Otherwise the first numbered list in the document is parsed, and a
//!   warning is emitted if another list follows it.
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
//! `3.1 Hovedmål og lovkrav` always ends the list.
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
//! boundary, dropping dangling function words ("for", "og", ...). No ellipsis
//! and no trailing period is added.

use std::fmt;

use crate::domain::Recurrence;

/// Heading that introduces the list of proposed actions in the plans this
/// importer was written for. Used as the section when none is given.
pub const OVERVIEW_HEADING: &str = "Oversikt over planens foreslåtte tiltak";

/// A title is never cut before this many characters, so that a short lead-in
/// such as "Det er en ambisjon" is not taken for a whole clause.
const TITLE_MIN_CHARS: usize = 15;
/// Upper bound for titles, in characters.
const TITLE_MAX_CHARS: usize = 120;
/// When a title must be shortened, a comma is preferred as the cut point if at
/// least this many characters come before it (a clause reads better than a
/// sentence cut in the middle).
const TITLE_MIN_COMMA_CUT: usize = 40;
/// A line shorter than this is never considered wrapped, whatever the
/// document's line width; short lists would otherwise look "wrapped".
const WRAPPED_MIN_CHARS: usize = 45;
/// How far ahead to look for the next action when deciding whether a new
/// paragraph still belongs to the list.
const LOOKAHEAD_LINES: usize = 40;
/// Limits for a line to look like a heading rather than running text.
const HEADING_MAX_CHARS: usize = 80;
const HEADING_MAX_WORDS: usize = 10;

/// Fragments that stay hyphenated at a line break because they form real
/// compounds in Norwegian ("ikke-stigmatiserende", "ny-etablert",
/// "re-etablere"), as opposed to words split by the layout engine.
const KEEP_HYPHEN_PREFIXES: &[&str] = &[
    "ikke", "ny", "re", "anti", "eks", "ekstra", "halv", "kvasi", "non", "post", "pre", "semi", "sub", "super", "ultra",
];
/// Words that, after "Barne-" at a line end, show a suspended compound
/// ("Barne- og ungdomsvern"): the hyphen stays and so does the space.
const SUSPENDED_COMPOUND_WORDS: &[&str] = &["og", "eller", "samt"];

/// Abbreviations of political bodies used in case references
/// ("KST 032/24" = kommunestyret, sak 032/24). Longest first.
const DECISION_BODIES: &[&str] = &["KST", "FSK", "KS", "PS"];
/// Phrases that introduce a council decision at the start of an action.
const DECISION_PHRASES: &[&str] = &[
    "vedtatt tillegg i",
    "vedtatt endring i",
    "vedtatt i",
    "vedtak i",
    "tillegg i",
    "endring i",
];

/// Words that make a poor end for a title cut at a word boundary.
const DANGLING_WORDS: &[&str] = &[
    "og", "eller", "samt", "for", "i", "av", "til", "med", "om", "på", "at", "å", "som", "en", "et", "ei", "den",
    "det", "de", "mot", "fra", "ved", "under", "etter", "over", "mellom", "gjennom", "hos", "uten", "skal", "vil",
    "kan", "er", "har", "bl.a.", "jf.", "f.eks.",
];
/// Openings of a subordinate clause; the comma that closes such a clause is
/// no place to cut a title.
const LEAD_INS: &[&str] = &[
    "med forbehold om",
    "dersom",
    "hvis",
    "når",
    "for å",
    "med formål",
    "i den grad",
    "selv om",
    "etter at",
    "før",
    "fordi",
];

/// Abbreviations after which ". " does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "bl.a", "ca", "dvs", "ekskl", "ev", "evt", "f.eks", "hhv", "iht", "ift", "inkl", "jf", "kap", "kl", "m.fl", "m.m",
    "mht", "mv", "nr", "osv", "pkt", "pr", "st", "tlf", "vha",
];

/// Verbs that describe reviewing or updating an action; "årlig" after one of
/// them in the same sentence makes the action annual.
const REVIEW_VERBS: &[&str] = &["evalueres", "revideres", "rulleres", "oppdateres", "gjennomgås"];
const YEARLY_PHRASES: &[&str] = &["årlig", "hvert år", "en gang i året", "en gang per år"];
const YEARLY_NOUN_PHRASES: &[&str] = &[
    "årlig evaluering",
    "årlig revisjon",
    "årlig rullering",
    "årlig gjennomgang",
];
const BIENNIAL_PHRASES: &[&str] = &[
    "annethvert år",
    "annenhvert år",
    "annet hvert år",
    "hvert annet år",
    "hvert andre år",
    "hvert 2. år",
];
const CONTINUOUS_WORDS: &[&str] = &[
    "løpende",
    "fortløpende",
    "jevnlig",
    "jevnlige",
    "kontinuerlig",
    "kontinuerlige",
];
const ON_DEMAND_PHRASES: &[&str] = &["ved behov", "etter behov"];
/// The result of parsing a plan: chapters with their actions, plus warnings
/// about everything that looked odd (skipped lines, numbering gaps, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPlan {
    /// Chapters in document order; at least one when parsing succeeds.
    pub chapters: Vec<ParsedChapter>,
    /// Human-readable warnings, each starting with `line N:`.
    pub warnings: Vec<String>,
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
    /// PDF or Word file that was not converted to text).
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
    let start = locate_start(&lines, section)?;
    let (index, section_name) = match &start {
        Start::Section { index, name } => (*index, Some(name.clone())),
        Start::FirstList { index } => (*index, None),
    };

    let mut parser = Parser::new(&lines);
    let end = parser.run(index);
    let mut plan = parser.finish();

    if plan.chapters.iter().all(|c| c.actions.is_empty()) {
        return Err(ParseError::NoActions { section: section_name });
    }
    if matches!(start, Start::FirstList { .. }) {
        // Only the first list is imported; tell the user when there are
        // more, since they may have wanted another one.
        if let Some(offset) = lines[end..].iter().position(Line::starts_list) {
            plan.warnings.push(format!(
                "line {}: another numbered list starts here and was not imported; \
                 pass a section heading to choose a list",
                end + offset + 1
            ));
        }
    }
    Ok(plan)
}

/// Detects how often an action recurs from its wording (case-insensitive).
///
/// Priority when several patterns match: [`Recurrence::Annual`] ("evalueres
/// ... årlig" within one sentence, also "revideres/rulleres/oppdateres ...
/// årlig" and "årlig evaluering"), then [`Recurrence::Biennial`]
/// ("annethvert år", "hvert annet år"), then [`Recurrence::Continuous`]
/// ("løpende", "fortløpende", "jevnlig", "kontinuerlig"), then
/// [`Recurrence::OnDemand`] ("ved behov", "etter behov"). The order reflects
/// that a fixed schedule is more specific than "ongoing": "evalueres løpende
/// og minimum årlig" is an annual evaluation.
#[must_use]
pub fn detect_recurrence(text: &str) -> Recurrence {
    let lower = text.to_lowercase();
    let contains_any = |phrases: &[&str]| phrases.iter().any(|p| find_word(&lower, p, 0).is_some());
    if is_annual(&lower) {
        Recurrence::Annual
    } else if contains_any(BIENNIAL_PHRASES) {
        Recurrence::Biennial
    } else if contains_any(CONTINUOUS_WORDS) {
        Recurrence::Continuous
    } else if contains_any(ON_DEMAND_PHRASES) {
        Recurrence::OnDemand
    } else {
        Recurrence::None
    }
}

/// Finds the first council case reference in `text`, normalised to
/// `"BODY number/year"`: "Vedtatt tillegg i KST 032/24: ..." and
/// "KST - 032/24" both give `Some("KST 032/24")`.
///
/// Recognised bodies are KST (kommunestyret), FSK (formannskapet), KS and PS
/// (politisk sak); the abbreviation must be in capitals.
#[must_use]
pub fn detect_decision_ref(text: &str) -> Option<String> {
    text.char_indices()
        .filter(|&(i, _)| text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
        .find_map(|(i, _)| match_decision_ref(&text[i..]).map(|(reference, _)| reference))
}

/// Joins a line ending in `fragment-` with the next word and says what to do
/// with the hyphen.
///
/// The rule, in order:
/// 1. next word starts with anything but a lowercase letter ("Sørøst-" +
///    "Norge", "covid-" + "19"): keep the hyphen, no space;
/// 2. next word is "og"/"eller"/"samt" ("Barne-" + "og ungdomsvern"): a
///    suspended compound, keep the hyphen and the space;
/// 3. the fragment already holds a hyphen ("pre-teen-"), an inner capital or
///    a digit ("PP-", "SLT-", "TIUR-"): a real compound, keep the hyphen;
/// 4. the fragment is a known prefix word ("ikke-" + "stigmatiserende"):
///    keep the hyphen;
/// 5. otherwise it is layout hyphenation ("forebyg-" + "ging"): drop it.
///
/// `fragment` is the word before the hyphen (without it), `next_word` the
/// first word of the following line.
#[must_use]
pub fn join_hyphenated(fragment: &str, next_word: &str) -> HyphenJoin {
    let Some(first) = next_word.chars().next() else {
        return HyphenJoin::Keep;
    };
    if !first.is_lowercase() {
        return HyphenJoin::Keep;
    }
    let bare_next = next_word.trim_end_matches(|c: char| !c.is_alphanumeric());
    if SUSPENDED_COMPOUND_WORDS.contains(&bare_next) {
        return HyphenJoin::KeepWithSpace;
    }
    let fragment = fragment.trim_start_matches(|c: char| !c.is_alphanumeric());
    let acronym_like = fragment.chars().skip(1).any(char::is_uppercase) || fragment.chars().any(|c| c.is_ascii_digit());
    if fragment.contains('-') || acronym_like {
        return HyphenJoin::Keep;
    }
    if KEEP_HYPHEN_PREFIXES.contains(&fragment.to_lowercase().as_str()) {
        return HyphenJoin::Keep;
    }
    HyphenJoin::Drop
}

/// What to do with a hyphen at the end of a line; see [`join_hyphenated`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HyphenJoin {
    /// Layout hyphenation: remove the hyphen and join the halves.
    Drop,
    /// Real compound: keep the hyphen, no space.
    Keep,
    /// Suspended compound ("Barne- og ..."): keep the hyphen and a space.
    KeepWithSpace,
}
/// Rejects NUL bytes, raw PDF files and text where more than a tenth of the
/// characters are control characters or U+FFFD (what a binary file looks
/// like after lossy decoding). Tabs, newlines and form feeds are fine.
fn looks_like_text(input: &str) -> bool {
    if input.contains('\0') || input.trim_start().starts_with("%PDF-") {
        return false;
    }
    let (mut total, mut bad) = (0usize, 0usize);
    for c in input.chars() {
        total += 1;
        let control = c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}');
        if control || c == '\u{fffd}' {
            bad += 1;
        }
    }
    bad * 10 <= total
}

/// One input line, cleaned and classified once up front.
#[derive(Debug)]
struct Line {
    /// Trimmed, whitespace collapsed, invisible characters removed.
    text: String,
    /// Length of `text` in characters.
    chars: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Blank,
    /// A page number alone on a line ("12", "- 12 -", "Side 12 av 40").
    PageNumber,
    /// "Kap 7: Title" / "Kap. 16: Title:".
    Chapter {
        number: u32,
        title: String,
    },
    /// "Tiltak 3 Alkoholpolitikk": an action whose heading is its title.
    HeadingAction {
        number: u32,
        title: String,
    },
    /// "1. text", "5.Text", "2) text", or "1." alone.
    Action {
        number: u32,
        rest: String,
    },
    /// "3.1 Hovedmål og lovkrav": a document section heading.
    NumberedHeading,
    /// A bullet line; `dash` for "-", "–", "—" (which may also be a
    /// sentence dash at the start of a wrapped line).
    Bullet {
        rest: String,
        dash: bool,
    },
    /// A bare link (`http://www.ungfritid.no/`).
    Url,
    Text,
}

impl Line {
    fn new(raw: &str) -> Self {
        let text = clean_line(raw);
        let kind = classify(&text);
        Line {
            chars: text.chars().count(),
            text,
            kind,
        }
    }

    /// Whether this line can start a list when no section is given.
    fn starts_list(&self) -> bool {
        match &self.kind {
            Kind::Chapter { .. } | Kind::HeadingAction { .. } => true,
            // "1." alone (text on the next line) counts; "2. trinn" does not.
            Kind::Action { rest, .. } => !starts_lowercase(rest),
            _ => false,
        }
    }
}

/// Collapses whitespace, removes invisible characters and glues "word/ word".
fn clean_line(raw: &str) -> String {
    let raw = raw.trim_end();
    // A soft hyphen at the end of a line is a hyphenation point; turn it into
    // a visible one so the line-joining rules handle it. Elsewhere it is
    // invisible and just removed.
    let soft_break = raw.ends_with('\u{ad}');
    let mut out = String::with_capacity(raw.len());
    let mut previous_word = String::new();
    for word in raw.split_whitespace() {
        let word: String = word
            .chars()
            .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}' | '\u{feff}'))
            .collect();
        if word.is_empty() {
            continue;
        }
        let glue = slash_glues(&previous_word) && word.starts_with(char::is_alphabetic);
        if !out.is_empty() && !glue {
            out.push(' ');
        }
        out.push_str(&word);
        previous_word = word;
    }
    if soft_break && !out.is_empty() {
        out.push('-');
    }
    out
}

/// Whether a word ending in "/" should be glued to the next word: true for
/// "skolehelsetjenesten/" and "og/", false for "v/" (ved) and "1/".
fn slash_glues(word: &str) -> bool {
    let Some(stem) = word.strip_suffix('/') else {
        return false;
    };
    let last = stem.rsplit('/').next().unwrap_or("");
    last.chars().count() >= 2 && last.chars().all(char::is_alphabetic)
}

fn classify(text: &str) -> Kind {
    if text.is_empty() {
        Kind::Blank
    } else if is_page_number(text) {
        Kind::PageNumber
    } else if let Some((number, title)) = parse_chapter_heading(text) {
        Kind::Chapter { number, title }
    } else if let Some((number, title)) = parse_tiltak_heading(text) {
        Kind::HeadingAction { number, title }
    } else if let Some((number, rest)) = parse_numbered_item(text) {
        Kind::Action {
            number,
            rest: rest.to_string(),
        }
    } else if is_numbered_heading(text) {
        Kind::NumberedHeading
    } else if let Some((rest, dash)) = parse_bullet(text) {
        Kind::Bullet {
            rest: rest.to_string(),
            dash,
        }
    } else if is_bare_url(text) {
        Kind::Url
    } else {
        Kind::Text
    }
}

/// Case-insensitive `strip_prefix` for a lowercase `prefix`.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = text.char_indices();
    for expected in prefix.chars() {
        let (_, c) = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// Splits leading ASCII digits (1 to `max` of them) off `text`.
fn leading_number(text: &str, max: usize) -> Option<(u32, &str)> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > max {
        return None;
    }
    Some((text[..len].parse().ok()?, &text[len..]))
}

fn is_page_number(text: &str) -> bool {
    let core = text.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    let lower = core.to_lowercase();
    let core = lower.strip_prefix("side").map_or(lower.as_str(), str::trim_start);
    let Some((_, rest)) = leading_number(core, 4) else {
        return false;
    };
    let rest = rest.trim_start();
    let total = rest.strip_prefix("av").or_else(|| rest.strip_prefix('/'));
    match total {
        Some(total) => leading_number(total.trim_start(), 4).is_some_and(|(_, r)| r.is_empty()),
        None => rest.is_empty(),
    }
}

/// "Kap 7: Title", "Kap. 16: Title:", "Kapittel 3 Title".
fn parse_chapter_heading(text: &str) -> Option<(u32, String)> {
    let rest = strip_prefix_ci(text, "kapittel").or_else(|| strip_prefix_ci(text, "kap"))?;
    let rest = rest.strip_prefix('.').unwrap_or(rest).trim_start();
    let (number, after) = leading_number(rest, 3)?;
    let title = heading_title_after_number(after)?;
    Some((number, title.trim_end_matches(':').trim_end().to_string()))
}

/// "Tiltak 3 Alkoholpolitikk" / "Tiltak 3: Alkoholpolitikk".
fn parse_tiltak_heading(text: &str) -> Option<(u32, String)> {
    let rest = strip_prefix_ci(text, "tiltak")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let (number, after) = leading_number(rest.trim_start(), 3)?;
    let title = heading_title_after_number(after)?;
    // Running text such as "Tiltak 3 er gjennomført" is not a heading.
    let heading_shaped = title.is_empty()
        || (title
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            && title.chars().count() <= HEADING_MAX_CHARS);
    heading_shaped.then(|| (number, title.trim_end_matches([':', '.']).trim_end().to_string()))
}

/// The title after "Kap 7" / "Tiltak 3": an optional separator, then text.
/// Rejects sub-numbers ("Kap 7.2") and glued letters ("Tiltak 3b").
fn heading_title_after_number(after: &str) -> Option<&str> {
    let trimmed = after.trim_start();
    if let Some(title) = trimmed.strip_prefix([':', '.', '-', '–', ')']) {
        if title.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        return Some(title.trim());
    }
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(trimmed)
}

/// "1. text", "5.Text", "2) text", "1." -> number and the text after it.
/// "3.1 Hovedmål" and "1.1.2024" are not items.
fn parse_numbered_item(text: &str) -> Option<(u32, &str)> {
    let (number, rest) = leading_number(text, 3)?;
    if number == 0 {
        return None;
    }
    let rest = rest.strip_prefix(['.', ')'])?;
    match rest.chars().next() {
        None => Some((number, "")),
        Some(c) if c.is_whitespace() || c.is_alphabetic() || matches!(c, '«' | '"' | '“' | '(') => {
            Some((number, rest.trim_start()))
        }
        _ => None,
    }
}

/// "3.1 Hovedmål og lovkrav", "2.4.1 Tiltak": one- or two-digit parts joined by
/// dots, then a capitalised word.
fn is_numbered_heading(text: &str) -> bool {
    let mut rest = text;
    let mut parts = 0;
    while let Some((_, after)) = leading_number(rest, 2) {
        parts += 1;
        match after.strip_prefix('.') {
            Some(after_dot) if after_dot.starts_with(|c: char| c.is_ascii_digit()) => {
                rest = after_dot;
            }
            Some(after_dot) => {
                rest = after_dot;
                break;
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    parts >= 2 && rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with(char::is_uppercase)
}

/// Bullet markers; returns the text after the marker and whether the marker
/// was a dash.
fn parse_bullet(text: &str) -> Option<(&str, bool)> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    match first {
        '•' | '●' | '▪' | '◦' | '■' | '▫' | '‣' | '·' | '*' | '\u{f0b7}' | '\u{f0a7}' | '➢' | '►' => {
            Some((rest.trim_start(), false))
        }
        '-' | '–' | '—' if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
            Some((rest.trim_start(), true))
        }
        '-' | '–' | '—' if rest.starts_with(char::is_alphabetic) => Some((rest, true)),
        // "o " is a common bullet glyph from Word; "o" alone is no Norwegian word.
        'o' if rest.starts_with(char::is_whitespace) => Some((rest.trim_start(), false)),
        _ => None,
    }
}

fn is_bare_url(text: &str) -> bool {
    let lower = text.to_lowercase();
    !text.contains(' ') && (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
}

/// First letter is lowercase, or the line starts with punctuation that can
/// only continue a sentence.
fn starts_lowercase(text: &str) -> bool {
    let mut chars = text.chars().skip_while(|c| matches!(c, '(' | '«' | '"' | '“' | '\''));
    chars
        .next()
        .is_some_and(|c| c.is_lowercase() || matches!(c, ',' | ';' | ')' | '.'))
}

/// Short, capitalised, without final punctuation: a heading rather than text.
fn is_heading_like(text: &str) -> bool {
    let starts_capital = text
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || matches!(c, '«' | '"'));
    starts_capital
        && text.chars().count() <= HEADING_MAX_CHARS
        && text.split_whitespace().count() <= HEADING_MAX_WORDS
        && !text.ends_with(['.', ',', ';', '!', '?'])
}

/// Whether `text` ends a sentence (closing quotes and brackets ignored).
fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches([')', '»', '"', '”', '\'', ' '])
        .ends_with(['.', '!', '?'])
}

/// Line length (in characters) from which a line counts as wrapped: 60 % of
/// the 90th percentile of non-blank line lengths, at least
/// [`WRAPPED_MIN_CHARS`]. The percentile ignores the odd very long line (a
/// Word paragraph on one line) that the maximum would be thrown off by.
fn wrap_threshold(lines: &[Line]) -> usize {
    let mut lengths: Vec<usize> = lines.iter().filter(|l| l.chars > 0).map(|l| l.chars).collect();
    if lengths.is_empty() {
        return WRAPPED_MIN_CHARS;
    }
    lengths.sort_unstable();
    let p90 = lengths[(lengths.len() - 1) * 9 / 10];
    (p90 * 6 / 10).max(WRAPPED_MIN_CHARS)
}
enum Start {
    /// Parse from `index` (the line after the section heading).
    Section { index: usize, name: String },
    /// No section: parse the list that starts at `index`.
    FirstList { index: usize },
}

/// Normalised form of a heading for comparison.
fn heading_key(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches(':').trim_end().to_lowercase()
}

/// A line matches a heading key exactly, or after dropping a leading section
/// number ("3.2 Mål" matches "Mål").
fn line_matches_heading(line: &str, key: &str) -> bool {
    let line_key = heading_key(line);
    if line_key == key {
        return true;
    }
    let without_number = line_key.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    without_number.len() < line_key.len() && without_number.starts_with(' ') && without_number.trim_start() == key
}

fn locate_start(lines: &[Line], section: Option<&str>) -> Result<Start, ParseError> {
    if let Some(wanted) = section {
        let key = heading_key(wanted);
        let found = (!key.is_empty())
            .then(|| lines.iter().position(|l| line_matches_heading(&l.text, &key)))
            .flatten();
        return match found {
            Some(i) => Ok(Start::Section {
                index: i + 1,
                name: wanted.trim().trim_end_matches(':').trim_end().to_string(),
            }),
            None => Err(ParseError::SectionNotFound(wanted.to_string())),
        };
    }
    let overview = heading_key(OVERVIEW_HEADING);
    if let Some(i) = lines.iter().position(|l| line_matches_heading(&l.text, &overview)) {
        return Ok(Start::Section {
            index: i + 1,
            name: OVERVIEW_HEADING.to_string(),
        });
    }
    lines
        .iter()
        .position(Line::starts_list)
        .map(|index| Start::FirstList { index })
        .ok_or(ParseError::NoActions { section: None })
}
struct ChapterBuilder {
    number: Option<u32>,
    title: String,
    line: usize,
    actions: Vec<ParsedAction>,
    /// Numbers used so far, with the line of their first use.
    seen: Vec<(u32, usize)>,
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

struct OpenAction {
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
    /// A repeated number: consume its lines but do not keep it.
    discard: bool,
}

enum Decision {
    Continue,
    Skip,
    End,
}

struct Parser<'a> {
    lines: &'a [Line],
    wrap_chars: usize,
    chapters: Vec<ChapterBuilder>,
    open: Option<OpenAction>,
    warnings: Vec<String>,
}

impl<'a> Parser<'a> {
    fn new(lines: &'a [Line]) -> Self {
        Parser {
            lines,
            wrap_chars: wrap_threshold(lines),
            chapters: Vec::new(),
            open: None,
            warnings: Vec::new(),
        }
    }

    /// Parses from `start` until the list ends; returns the index of the line
    /// where it stopped.
    fn run(&mut self, start: usize) -> usize {
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
                    self.open_action(*number, line_no, Some(title.clone()), "", line.chars);
                }
                Kind::Action { number, rest } => {
                    if self.number_continues_text(*number, rest) {
                        self.append_text(&line.text, line.chars);
                    } else {
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
            // A link standing on its own after a blank line is a PDF link
            // annotation, not text. (Checked before the lowercase rule, as
            // links start with a lowercase "http".)
            return if blank_before {
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
        if let Some(previous) = self.chapters.iter().rev().find_map(|c| c.number) {
            if self.chapters.iter().any(|c| c.number == Some(number)) {
                self.warnings.push(format!("line {line_no}: chapter {number} repeated"));
            } else if number != previous + 1 {
                self.warnings
                    .push(format!("line {line_no}: chapter {number} follows chapter {previous}"));
            }
        }
        self.chapters.push(ChapterBuilder {
            number: Some(number),
            title: title.to_string(),
            line: line_no,
            actions: Vec::new(),
            seen: Vec::new(),
            last_number: 0,
        });
    }

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
                seen: Vec::new(),
                last_number: 0,
            });
        }
        let chapter = self.chapters.last_mut().expect("a chapter was just ensured");
        let label = chapter.label();
        let last = chapter.last_number;
        let first_use = chapter.seen.iter().find(|(n, _)| *n == number).map(|&(_, l)| l);
        let warning = if let Some(first_line) = first_use {
            Some(format!(
                "line {line_no}: {label}: number {number} repeated (first used on line \
                 {first_line}); the later one is skipped"
            ))
        } else {
            chapter.seen.push((number, line_no));
            chapter.last_number = last.max(number);
            if number > last + 1 {
                let missing = if number - last == 2 {
                    format!("number {} missing", last + 1)
                } else {
                    format!("numbers {}-{} missing", last + 1, number - 1)
                };
                let context = if last == 0 {
                    format!("the list starts at {number}")
                } else {
                    format!("{last} followed by {number}")
                };
                Some(format!("line {line_no}: {label}: {missing} ({context})"))
            } else if number <= last {
                Some(format!(
                    "line {line_no}: {label}: number {number} out of order (after {last})"
                ))
            } else {
                None
            }
        };
        self.warnings.extend(warning);
        self.open = Some(OpenAction {
            number,
            line: line_no,
            heading_title,
            text: first_text.to_string(),
            last_line_chars: line_chars,
            in_bullet: false,
            awaiting_bullet_text: false,
            discard: first_use.is_some(),
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
        if open.discard {
            return;
        }
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

    fn finish(mut self) -> ParsedPlan {
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
        ParsedPlan { chapters, warnings }
    }
}

/// Shortens a line for a warning message.
fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
/// Appends a cleaned line to the text built so far, undoing line wrapping.
fn join_line(text: &mut String, next: &str) {
    if next.is_empty() {
        return;
    }
    if text.is_empty() {
        text.push_str(next);
        return;
    }
    let last_word = text.rsplit(' ').next().unwrap_or("");
    let next_word = next.split(' ').next().unwrap_or("");
    if slash_glues(last_word) && next.starts_with(char::is_alphabetic) {
        text.push_str(next);
        return;
    }
    if let Some(fragment) = last_word.strip_suffix('-')
        && fragment.chars().any(char::is_alphabetic)
    {
        match join_hyphenated(fragment, next_word) {
            HyphenJoin::Drop => {
                text.pop();
            }
            HyphenJoin::Keep => {}
            HyphenJoin::KeepWithSpace => text.push(' '),
        }
        text.push_str(next);
        return;
    }
    text.push(' ');
    text.push_str(next);
}

/// Ends a bullet or segment with a period unless it already ends with
/// punctuation that closes or introduces something.
fn terminate_segment(text: &mut String) {
    let trimmed_len = text.trim_end_matches([',', ' ']).len();
    text.truncate(trimmed_len);
    if !text.is_empty() && !text.ends_with(['.', '!', '?', ':', ';']) {
        text.push('.');
    }
}

/// Removes the leading decision marker(s): "Vedtatt tillegg i KST 032/24:
/// KST - 032/24: Se på ..." becomes "Se på ...". Each marker is an optional
/// phrase ("Vedtak i"), a case reference and a colon; without the colon
/// nothing is removed, as the reference is then part of the sentence.
fn strip_decision_markers(text: &str) -> &str {
    let mut rest = text.trim_start();
    loop {
        let candidate = DECISION_PHRASES
            .iter()
            .find_map(|p| strip_prefix_ci(rest, p))
            .map_or(rest, str::trim_start);
        let Some((_, len)) = match_decision_ref(candidate) else {
            break;
        };
        let Some(after) = candidate[len..].trim_start().strip_prefix(':') else {
            break;
        };
        rest = after.trim_start();
    }
    rest
}

/// Matches "KST 032/24", "KST - 032/24", "PS 2024/12" at the start of `text`;
/// returns the normalised reference and the number of bytes matched.
fn match_decision_ref(text: &str) -> Option<(String, usize)> {
    let body = DECISION_BODIES.iter().find(|b| {
        text.strip_prefix(**b)
            .is_some_and(|r| !r.starts_with(char::is_alphanumeric) || r.starts_with(|c: char| c.is_ascii_digit()))
    })?;
    let rest = text[body.len()..].trim_start();
    let rest = rest.strip_prefix(['-', '–', '.']).unwrap_or(rest).trim_start();
    let case_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=4).contains(&case_len) {
        return None;
    }
    let case = &rest[..case_len];
    let after_slash = rest[case_len..].trim_start().strip_prefix('/')?.trim_start();
    let year_len = after_slash.bytes().take_while(u8::is_ascii_digit).count();
    if !(2..=4).contains(&year_len) {
        return None;
    }
    let year = &after_slash[..year_len];
    let consumed = text.len() - after_slash.len() + year_len;
    Some((format!("{body} {case}/{year}"), consumed))
}
/// First sentence or clause of a description, shortened to
/// [`TITLE_MAX_CHARS`]; see [`ParsedAction::title`].
fn make_title(description: &str) -> String {
    let text = description.trim();
    shorten_title(&text[..clause_end(text)])
}

/// Byte index where the first sentence or clause ends: at ". " (before a
/// capital, not after an abbreviation), ":", ";", or a spaced dash, but never
/// within the first [`TITLE_MIN_CHARS`] characters.
fn clause_end(text: &str) -> usize {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(idx, c)) in chars.iter().enumerate().skip(TITLE_MIN_CHARS) {
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let ends_here = match c {
            ':' | ';' => next.is_none_or(char::is_whitespace),
            '.' | '!' | '?' => match next {
                None => true,
                Some(n) if n.is_whitespace() => {
                    let starts_new = chars
                        .get(k + 2)
                        .is_some_and(|&(_, a)| a.is_uppercase() || a.is_ascii_digit() || a == '«');
                    starts_new && !(c == '.' && follows_abbreviation(&text[..idx]))
                }
                Some(_) => false,
            },
            '–' | '—' | '-' => chars[k - 1].1 == ' ' && next == Some(' '),
            _ => false,
        };
        if ends_here {
            return idx;
        }
    }
    text.len()
}

fn follows_abbreviation(before_dot: &str) -> bool {
    let token = before_dot.rsplit(char::is_whitespace).next().unwrap_or("");
    let token = token.trim_start_matches(['(', '«', '"']).to_lowercase();
    ABBREVIATIONS.contains(&token.as_str()) || (token.chars().count() == 1 && token.chars().all(char::is_alphabetic))
}

/// Trims closing punctuation and cuts to [`TITLE_MAX_CHARS`].
///
/// Preferred cut: the last clause comma within the limit that leaves at
/// least [`TITLE_MIN_COMMA_CUT`] characters, skipping commas that separate
/// list items ("målrettet, koordinert, samordnet og ...") and the comma that
/// closes an opening subordinate clause ("Med forbehold om ..., vil det
/// ..."), since cutting there leaves a title that says nothing about the
/// action. Otherwise the last word boundary, after which dangling function
/// words ("for", "og", "i", ...) and an unclosed parenthesis are removed.
fn shorten_title(title: &str) -> String {
    let title = trim_title_end(title.trim());
    let Some((limit, _)) = title.char_indices().nth(TITLE_MAX_CHARS) else {
        return title.to_string();
    };
    let window = &title[..limit];
    let lead_in = starts_with_lead_in(title);
    let comma_cut = window
        .match_indices(", ")
        .map(|(i, _)| i)
        .enumerate()
        .filter(|&(n, i)| {
            !(lead_in && n == 0)
                && window[..i].chars().count() >= TITLE_MIN_COMMA_CUT
                && !is_enumeration_comma(&title[i + 2..])
        })
        .map(|(_, i)| i)
        .last();
    if let Some(cut) = comma_cut {
        return trim_title_end(&title[..cut]).to_string();
    }
    // Byte index of a space such that everything before it fits.
    let cut = if title[limit..].starts_with(' ') {
        limit
    } else {
        window.rfind(' ').unwrap_or(limit)
    };
    let mut cut_title = trim_title_end(&title[..cut]);
    if cut_title.matches('(').count() > cut_title.matches(')').count()
        && let Some(open) = cut_title.rfind('(')
    {
        cut_title = trim_title_end(&cut_title[..open]);
    }
    while let Some((head, last)) = cut_title.rsplit_once(' ') {
        // Case-insensitive: "tilby De" (of "De utrolige årene") dangles too.
        if !DANGLING_WORDS.contains(&last.to_lowercase().as_str()) {
            break;
        }
        cut_title = trim_title_end(head);
    }
    cut_title.to_string()
}

/// Whether the text after a comma continues a list of short items: at most
/// two words before the next comma or "og"/"eller".
fn is_enumeration_comma(after: &str) -> bool {
    let mut words = 0;
    for word in after.split(' ') {
        if word == "og" || word == "eller" {
            return words > 0;
        }
        words += 1;
        if word.ends_with(',') {
            return true;
        }
        if words > 2 {
            return false;
        }
    }
    false
}

fn starts_with_lead_in(title: &str) -> bool {
    LEAD_INS
        .iter()
        .any(|lead| strip_prefix_ci(title, lead).is_some_and(|rest| rest.starts_with(' ')))
}

fn trim_title_end(text: &str) -> &str {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '–' | '—' | '-'))
}
/// "evalueres ... årlig" (or another review verb) within one sentence, or a
/// noun phrase such as "årlig evaluering". Expects lowercase text.
fn is_annual(lower: &str) -> bool {
    sentences(lower).into_iter().any(|sentence| {
        YEARLY_NOUN_PHRASES.iter().any(|p| find_word(sentence, p, 0).is_some())
            || REVIEW_VERBS
                .iter()
                .filter_map(|verb| find_word(sentence, verb, 0).map(|i| i + verb.len()))
                .any(|after| YEARLY_PHRASES.iter().any(|y| find_word(sentence, y, after).is_some()))
    })
}

/// Splits at ".", "!" or "?" followed by whitespace.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(char::is_whitespace) {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out
}

/// Finds `needle` as a whole word or phrase in `hay` at or after byte `from`.
fn find_word(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let mut start = from;
    while let Some(pos) = hay.get(start..)?.find(needle) {
        let i = start + pos;
        let j = i + needle.len();
        let before_ok = hay[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay[j..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return Some(i);
        }
        start = i + needle.chars().next().map_or(1, char::len_utf8);
    }
    None
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The real plan this importer was written for.
    const REAL_PLAN: &str = include_str!("../../tests/data/forebyggende-plan.txt");

    fn real_plan() -> ParsedPlan {
        parse_plan_text(REAL_PLAN, None).expect("the real plan parses")
    }

    fn action(plan: &ParsedPlan, chapter: u32, number: u32) -> &ParsedAction {
        plan.chapters
            .iter()
            .find(|c| c.number == Some(chapter))
            .and_then(|c| c.actions.iter().find(|a| a.number == number))
            .unwrap_or_else(|| panic!("action {chapter}.{number} missing"))
    }

    fn only_chapter(plan: &ParsedPlan) -> &ParsedChapter {
        assert_eq!(plan.chapters.len(), 1, "{plan:#?}");
        &plan.chapters[0]
    }

    // Tests: the real plan.

    #[test]
    fn real_plan_has_chapters_7_to_17_and_56_actions() {
        let plan = real_plan();
        let numbers: Vec<Option<u32>> = plan.chapters.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (7..=17).map(Some).collect::<Vec<_>>());
        let counts: Vec<usize> = plan.chapters.iter().map(|c| c.actions.len()).collect();
        assert_eq!(counts, vec![7, 2, 1, 5, 1, 4, 11, 2, 1, 5, 17]);
        assert_eq!(counts.iter().sum::<usize>(), 56);
        for chapter in &plan.chapters {
            let numbers: Vec<u32> = chapter.actions.iter().map(|a| a.number).collect();
            let expected: Vec<u32> = (1..=chapter.actions.len() as u32).collect();
            assert_eq!(numbers, expected, "chapter {:?}", chapter.number);
        }
    }

    #[test]
    fn real_plan_chapter_titles() {
        let plan = real_plan();
        let titles: Vec<&str> = plan.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "Samarbeid og samordning på systemnivå",
                "Tidlig avdekking – tidlig inn",
                "Samhandling om sammensatte utfordringer",
                "Psykisk helsehjelp for barn og unge",
                "Barn som pårørende",
                "Styrking av metoder for foreldre- og barnsamspill og tilknytning",
                "Forebygging av atferdsproblemer - tiltaksvifte",
                "Forebygging av vold mot barn og annen vold i nære relasjoner",
                "Skolefravær",
                "Minoritetsfamilier",
                "Fattigdom i barnefamilier",
            ]
        );
    }

    #[test]
    fn real_plan_same_result_with_explicit_section() {
        let explicit = parse_plan_text(REAL_PLAN, Some("oversikt over planens foreslåtte tiltak:"))
            .expect("explicit section parses");
        assert_eq!(explicit, real_plan());
    }

    #[test]
    fn real_plan_texts_across_page_breaks_and_slashes() {
        let plan = real_plan();
        assert_eq!(
            action(&plan, 13, 7).description,
            "Etablere samarbeid mellom Voksenpedagogisk senter, \
             skolehelsetjenesten/ungdomshelsestasjonen og Ungdomskontakten om veiledning av \
             pre-teen-foreldre og tenåringsforeldre, for eksempel i form av ICDP-kurs."
        );
        assert_eq!(
            action(&plan, 8, 1).description,
            "Prosedyrebeskrivelse for hvordan ansatte kan handle ved bekymring for barn og unge \
             gjøres tilgjengelig for relevante samarbeidspartnere, og revideres ved behov."
        );
        assert_eq!(
            action(&plan, 16, 3).description,
            "Styrke kapasiteten til ungdomskontakten og \
             helsestasjon/skolehelsetjenesten/voksenpedagogisk senter til drift av ICDP-grupper \
             for ungdomsforeldre, eller andre typer gruppebasert tiltak for styrking av \
             foreldrefunksjon i en ny kulturell kontekst for foreldre med minoritetsbakgrunn, \
             også etter at introduksjonsprogrammet er over."
        );
    }

    #[test]
    fn real_plan_action_12_3_with_leading_space_and_no_period() {
        let plan = real_plan();
        let a = action(&plan, 12, 3);
        assert_eq!(
            a.description,
            "Med forbehold om at framtidige økonomiske rammer ligger til rette for det, vil det \
             være en ambisjon å kunne tilby De utrolige årene (eller andre tilsvarende \
             foreldrekurs) til alle foreldre"
        );
        assert_eq!(a.decision_ref, None);
        assert_eq!(
            REAL_PLAN.lines().nth(a.line - 1).map(str::trim),
            Some("3. Med forbehold om at framtidige økonomiske rammer ligger til rette for det, vil det være en")
        );
    }

    #[test]
    fn real_plan_last_action_stops_before_link_and_body() {
        let plan = real_plan();
        assert_eq!(
            action(&plan, 17, 17).description,
            "Det inngås samarbeidsavtale mellom Kultur og Familiens hus v/ lederteam for å sikre \
             informasjon og samarbeid om lavinntektsfamilier og andre famillier med spesielle \
             risikofaktorers tilgang til idrett, kultur og åpne fritdsaktiviteter."
        );
        assert_eq!(
            action(&plan, 17, 16).description,
            "Sikre tilgangen på informasjon om bredden og mangfoldet i de tilgjengelige idretts- \
             og kulturaktiviteter ved oppdaterte oversikter på kommunens nettsider og på \
             www.ungfritid.no"
        );
        assert_eq!(
            action(&plan, 17, 14).description,
            "Ringsaker tilbyr et bredt utvalg av åpne møteplasser og gratis arrangementer, for å \
             sikre ikke-stigmatiserende og integrerende tilbud som er åpne for alle."
        );
    }

    #[test]
    fn real_plan_decision_markers_are_stripped() {
        let plan = real_plan();
        let a = action(&plan, 7, 4);
        assert_eq!(
            a.description,
            "Se på muligheten for samlokalisering av beslektede tjenester som arbeider for barn \
             og unge i risiko for utenforskap."
        );
        assert_eq!(
            a.title,
            "Se på muligheten for samlokalisering av beslektede tjenester som arbeider for barn \
             og unge i risiko for utenforskap"
        );
        assert_eq!(a.decision_ref.as_deref(), Some("KST 032/24"));

        let a = action(&plan, 12, 4);
        assert_eq!(
            a.description,
            "Det er en ambisjon å kunne tilby De utrolige årene og andre tilsvarende \
             foreldrekurs til alle foreldre i kommunen. Kursene kan også tilbys gjennom ulike \
             foreldregrupper som for eksempel FAU i barnehager og skoler."
        );
        assert_eq!(
            a.title,
            "Det er en ambisjon å kunne tilby De utrolige årene og andre tilsvarende \
             foreldrekurs til alle foreldre i kommunen"
        );
        assert_eq!(a.decision_ref.as_deref(), Some("KST 032/24"));
    }

    #[test]
    fn real_plan_only_7_4_and_12_4_have_decision_refs() {
        let plan = real_plan();
        let with_ref: Vec<(Option<u32>, u32)> = plan
            .chapters
            .iter()
            .flat_map(|c| c.actions.iter().map(move |a| (c.number, a)))
            .filter(|(_, a)| a.decision_ref.is_some())
            .map(|(c, a)| (c, a.number))
            .collect();
        assert_eq!(with_ref, vec![(Some(7), 4), (Some(12), 4)]);
    }

    #[test]
    fn real_plan_action_7_6_keeps_second_paragraph() {
        let plan = real_plan();
        let a = action(&plan, 7, 6);
        assert_eq!(
            a.description,
            "Familiens hus er samhandlingsarena for drift og utvikling av lavterskel \
             forebyggingstiltak. Familiens hus lederteam konstituerer seg selv, og utarbeider \
             handlingsplan som rulleres minimum annethvert år."
        );
        assert_eq!(
            a.title,
            "Familiens hus er samhandlingsarena for drift og utvikling av lavterskel forebyggingstiltak"
        );
        // 7.5 is directly followed by "6. ..." on the next line.
        assert_eq!(
            action(&plan, 7, 5).description,
            "Utarbeidelse og oppdatering av fellesfaglige råd til støtte i foreldreveiledning."
        );
        assert_eq!(action(&plan, 7, 6).line, action(&plan, 7, 5).line + 1);
    }

    #[test]
    fn real_plan_action_14_2_continues_without_blank_line() {
        let plan = real_plan();
        assert_eq!(
            action(&plan, 14, 2).description,
            "Ringsaker kommune arbeider for å utvikle tiltak for forebygging og reduksjon av \
             vold mot barn. Vurdering av om det er grunnlag for et interkommunalt samarbeid om å \
             etablere MST CAN i Innlandet skal inngå i vurderingen."
        );
    }

    #[test]
    fn real_plan_recurrences() {
        let plan = real_plan();
        let cases = [
            ((7, 6), Recurrence::Biennial),
            ((7, 7), Recurrence::Annual),
            ((13, 1), Recurrence::Annual),
            ((13, 2), Recurrence::Annual),
            ((8, 1), Recurrence::OnDemand),
            ((12, 1), Recurrence::Continuous),
            ((17, 2), Recurrence::Continuous),
            ((7, 1), Recurrence::None),
            ((17, 17), Recurrence::None),
        ];
        for ((c, n), expected) in cases {
            assert_eq!(action(&plan, c, n).recurrence, expected, "action {c}.{n}");
        }
    }

    #[test]
    fn real_plan_line_numbers_and_warnings() {
        let plan = real_plan();
        assert_eq!(action(&plan, 7, 1).line, 108);
        assert_eq!(action(&plan, 17, 17).line, 308);
        assert_eq!(
            plan.warnings,
            vec![
                "line 105: skipped line that is not part of any action: \"Tiltak i planen\"".to_string(),
                "line 317: skipped bare link line that is not part of any action: \
                 \"http://www.ungfritid.no/\""
                    .to_string(),
            ]
        );
    }

    #[test]
    fn real_plan_titles_are_short_and_clean() {
        let plan = real_plan();
        for chapter in &plan.chapters {
            for a in &chapter.actions {
                let len = a.title.chars().count();
                assert!((1..=TITLE_MAX_CHARS).contains(&len), "{:?}", a.title);
                assert!(!a.title.ends_with(['.', ',', ' ']), "{:?}", a.title);
                assert!(a.description.starts_with(&a.title), "{:?}", a.title);
                assert!(!a.description.contains("  "), "{:?}", a.description);
            }
        }
        assert_eq!(
            action(&plan, 12, 1).title,
            "Oversikt over lavterskeltiltak oppdateres løpende"
        );
        assert_eq!(action(&plan, 7, 7).title, "TIUR-samarbeidet videreføres");
        // The opening "Med forbehold om ..." clause is not a useful title on
        // its own, so the cut is at a word boundary instead.
        assert_eq!(
            action(&plan, 12, 3).title,
            "Med forbehold om at framtidige økonomiske rammer ligger til rette for det, vil det \
             være en ambisjon å kunne tilby"
        );
        // Commas between list items are no clause ends.
        assert_eq!(
            action(&plan, 13, 9).title,
            "Det utarbeides retningslinjer for målrettet, koordinert, samordnet og flerfaglig \
             innsats mot marginalisering"
        );
        assert_eq!(
            action(&plan, 10, 4).title,
            "Familiens hus vurderes styrket med psykolog"
        );
    }

    // Tests: headed actions with bullets.

    const BULLET_PLAN: &str = "\
Handlingsplan mot rus 2024–2027

Tiltak 1: Tidlig innsats
• Kartlegge risiko i ungdomsskolen
• Tilby kurs til foreldre ved behov

Tiltak 2 Alkoholpolitikk
- Skjenketidene vurderes
  på nytt hvert annet år
– Kontroll av salgssteder gjennomføres.
o Samarbeid med politiet
";

    #[test]
    fn headed_actions_with_bullets() {
        let plan = parse_plan_text(BULLET_PLAN, None).unwrap();
        let chapter = only_chapter(&plan);
        assert_eq!((chapter.number, chapter.title.as_str()), (None, ""));
        assert_eq!(chapter.actions.len(), 2);
        let first = &chapter.actions[0];
        assert_eq!((first.number, first.title.as_str()), (1, "Tidlig innsats"));
        assert_eq!(
            first.description,
            "Kartlegge risiko i ungdomsskolen. Tilby kurs til foreldre ved behov."
        );
        assert_eq!(first.recurrence, Recurrence::OnDemand);
        assert_eq!(first.line, 3);
        let second = &chapter.actions[1];
        assert_eq!((second.number, second.title.as_str()), (2, "Alkoholpolitikk"));
        assert_eq!(
            second.description,
            "Skjenketidene vurderes på nytt hvert annet år. Kontroll av salgssteder \
             gjennomføres. Samarbeid med politiet."
        );
        assert_eq!(second.recurrence, Recurrence::Biennial);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn headed_action_without_bullets_uses_heading_as_description() {
        let plan = parse_plan_text("Tiltak 3 Alkoholpolitikk\n", None).unwrap();
        let a = &only_chapter(&plan).actions[0];
        assert_eq!(
            (a.number, a.title.as_str(), a.description.as_str()),
            (3, "Alkoholpolitikk", "Alkoholpolitikk")
        );
        assert_eq!(
            plan.warnings,
            vec!["line 1: list: numbers 1-2 missing (the list starts at 3)"]
        );
    }

    // Tests: plain numbered lists and sections.

    const TWO_LISTS: &str = "\
Kommuneplanens samfunnsdel

Mål:
1. Høy sysselsetting
2. God folkehelse for alle innbyggere

Strategier
1. Samarbeid med næringslivet
2.Styrke frivilligheten
5.Hjemmebesøk til alle nyfødte
";

    fn numbers_and_titles(plan: &ParsedPlan) -> Vec<(u32, String)> {
        only_chapter(plan)
            .actions
            .iter()
            .map(|a| (a.number, a.title.clone()))
            .collect()
    }

    #[test]
    fn section_selects_its_own_list() {
        let plan = parse_plan_text(TWO_LISTS, Some("Strategier")).unwrap();
        assert_eq!(
            numbers_and_titles(&plan),
            vec![
                (1, "Samarbeid med næringslivet".to_string()),
                (2, "Styrke frivilligheten".to_string()),
                (5, "Hjemmebesøk til alle nyfødte".to_string()),
            ]
        );
        assert_eq!(
            plan.warnings,
            vec!["line 10: list: numbers 3-4 missing (2 followed by 5)"]
        );

        let plan = parse_plan_text(TWO_LISTS, Some("  MÅL ")).unwrap();
        assert_eq!(
            numbers_and_titles(&plan),
            vec![
                (1, "Høy sysselsetting".to_string()),
                (2, "God folkehelse for alle innbyggere".to_string()),
            ]
        );
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn without_section_the_first_list_is_parsed_with_a_warning() {
        let plan = parse_plan_text(TWO_LISTS, None).unwrap();
        assert_eq!(only_chapter(&plan).actions.len(), 2);
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].starts_with("line 8: another numbered list"),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn missing_section_is_an_error() {
        assert_eq!(
            parse_plan_text(TWO_LISTS, Some("Tiltak")),
            Err(ParseError::SectionNotFound("Tiltak".to_string()))
        );
        assert_eq!(
            parse_plan_text(TWO_LISTS, Some("  ")),
            Err(ParseError::SectionNotFound("  ".to_string()))
        );
    }

    #[test]
    fn section_heading_with_number_prefix_matches() {
        let text = "3.2 Mål\n1. Trygge oppvekstvilkår\n";
        let plan = parse_plan_text(text, Some("Mål")).unwrap();
        assert_eq!(
            numbers_and_titles(&plan),
            vec![(1, "Trygge oppvekstvilkår".to_string())]
        );
    }

    #[test]
    fn list_ends_at_body_heading_and_numbered_section() {
        let text = "\
Tiltak i planen
1. Det etableres et ungdomsråd som møtes jevnlig.
2. Ungdomsrådet får egen rådgiver.

Bakgrunn for planarbeidet

Her står det mye brødtekst som ikke skal importeres.
";
        let plan = parse_plan_text(text, Some("Tiltak i planen")).unwrap();
        assert_eq!(only_chapter(&plan).actions.len(), 2);
        assert_eq!(
            only_chapter(&plan).actions[1].description,
            "Ungdomsrådet får egen rådgiver."
        );
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);

        let text = "1. Første tiltak.\n2. Andre tiltak.\n4.1 Innledning\n1. Noe annet.\n";
        let plan = parse_plan_text(text, None).unwrap();
        assert_eq!(only_chapter(&plan).actions.len(), 2);
    }

    #[test]
    fn page_numbers_and_page_headers_inside_the_list() {
        let text = "\
Kap 1: Oppvekst
1. Kommunen skal sørge for at alle barn og unge får et trygt og godt tilbud i
14

barnehage og skole, og at foreldre involveres tidlig i arbeidet.

Kommuneplan 2024

2. Helsestasjonen styrkes.
";
        let plan = parse_plan_text(text, None).unwrap();
        let chapter = only_chapter(&plan);
        assert_eq!((chapter.number, chapter.title.as_str()), (Some(1), "Oppvekst"));
        assert_eq!(
            chapter.actions[0].description,
            "Kommunen skal sørge for at alle barn og unge får et trygt og godt tilbud i \
             barnehage og skole, og at foreldre involveres tidlig i arbeidet."
        );
        assert_eq!(chapter.actions[1].description, "Helsestasjonen styrkes.");
        assert_eq!(
            plan.warnings,
            vec!["line 7: skipped line that is not part of any action: \"Kommuneplan 2024\""]
        );
    }

    // Tests: warnings.

    #[test]
    fn gaps_repeats_and_order_are_warned_about() {
        let text = "\
Kap 13: Test
1. En.
2. To.
3. Tre.
4. Fire.
6. Seks.
6. Seks igjen
   med en ekstra linje.
7. Sju.
5. Fem.
";
        let plan = parse_plan_text(text, None).unwrap();
        let numbers: Vec<u32> = only_chapter(&plan).actions.iter().map(|a| a.number).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 6, 7, 5]);
        assert_eq!(
            plan.warnings,
            vec![
                "line 6: chapter 13: number 5 missing (4 followed by 6)",
                "line 7: chapter 13: number 6 repeated (first used on line 6); the later one is skipped",
                "line 10: chapter 13: number 5 out of order (after 7)",
            ]
        );
    }

    #[test]
    fn chapter_gaps_are_warned_about() {
        let text = "Kap 1: A\n1. En.\nKap 3: B\n1. En.\n";
        let plan = parse_plan_text(text, None).unwrap();
        assert_eq!(plan.chapters.len(), 2);
        assert_eq!(plan.warnings, vec!["line 3: chapter 3 follows chapter 1"]);
    }

    #[test]
    fn number_alone_bullets_inside_items_and_continued_numbers() {
        let text = "\
1.
Første tiltak står på neste linje.
2. Tiltakene omfatter følgende punkter som gjelder hele kommunen og alle virksomheter:
• Kartlegging
• Oppfølging
3. Skolene følger opp elevene på alle trinn i grunnskolen, med særlig vekt på elever i
5. trinn og ungdomsskolen.
4. Siste tiltak.
";
        let plan = parse_plan_text(text, None).unwrap();
        let actions = &only_chapter(&plan).actions;
        let descriptions: Vec<&str> = actions.iter().map(|a| a.description.as_str()).collect();
        assert_eq!(
            descriptions,
            vec![
                "Første tiltak står på neste linje.",
                "Tiltakene omfatter følgende punkter som gjelder hele kommunen og alle \
                 virksomheter: Kartlegging. Oppfølging.",
                "Skolene følger opp elevene på alle trinn i grunnskolen, med særlig vekt på elever \
                 i 5. trinn og ungdomsskolen.",
                "Siste tiltak.",
            ]
        );
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn never_panics_on_slices_of_the_real_plan() {
        let lines: Vec<&str> = REAL_PLAN.lines().collect();
        for start in (0..lines.len()).step_by(37) {
            for len in [1, 5, 40, 300] {
                let end = (start + len).min(lines.len());
                let slice = lines[start..end].join("\n");
                let _ = parse_plan_text(&slice, None);
                let _ = parse_plan_text(&slice, Some("Tiltak i planen"));
            }
        }
        // The body of the document has numbered lists of its own.
        let body = parse_plan_text(REAL_PLAN, Some("Bakgrunn for arbeidet med forebyggende plan"));
        assert!(body.is_ok() || matches!(body, Err(ParseError::NoActions { .. })));
    }

    // Tests: errors.

    #[test]
    fn errors() {
        assert_eq!(parse_plan_text("", None), Err(ParseError::Empty));
        assert_eq!(parse_plan_text(" \n\t\n\u{c}\n", None), Err(ParseError::Empty));
        assert_eq!(parse_plan_text("1. Tiltak\0", None), Err(ParseError::NotText));
        assert_eq!(parse_plan_text("%PDF-1.7\n1. x", None), Err(ParseError::NotText));
        let binary: String = "\u{1}\u{2}\u{fffd}\u{3}ab".repeat(50);
        assert_eq!(parse_plan_text(&binary, None), Err(ParseError::NotText));
        assert_eq!(
            parse_plan_text("Bare tekst.\nUten noen liste.\n", None),
            Err(ParseError::NoActions { section: None })
        );
        assert_eq!(
            parse_plan_text("Mål\nIngen tiltak her.\n", Some("Mål")),
            Err(ParseError::NoActions {
                section: Some("Mål".to_string())
            })
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            ParseError::SectionNotFound("Mål".into()).to_string(),
            "section heading \"Mål\" not found in the text"
        );
        assert_eq!(
            ParseError::NoActions {
                section: Some("Mål".into())
            }
            .to_string(),
            "no numbered actions found in section \"Mål\""
        );
        assert!(ParseError::Empty.to_string().contains("empty"));
        assert!(ParseError::NotText.to_string().contains("plain text"));
        let boxed: Box<dyn std::error::Error> = Box::new(ParseError::Empty);
        assert!(!boxed.to_string().is_empty());
    }

    // Tests: hints.

    #[test]
    fn decision_refs() {
        assert_eq!(
            detect_decision_ref("Vedtatt tillegg i KST 032/24: Se på ...").as_deref(),
            Some("KST 032/24")
        );
        assert_eq!(
            detect_decision_ref("Vedtak i KST 032/24: KST - 032/24 : Det er").as_deref(),
            Some("KST 032/24")
        );
        assert_eq!(detect_decision_ref("jf. PS 2024/117").as_deref(), Some("PS 2024/117"));
        assert_eq!(detect_decision_ref("Planen gjelder 2024/25."), None);
        assert_eq!(detect_decision_ref("KSTX 12/24 og BUP 1/24"), None);
        assert_eq!(detect_decision_ref("Tiltaket vedtas i kst 032/24"), None);
    }

    #[test]
    fn decision_markers() {
        assert_eq!(
            strip_decision_markers("Vedtatt tillegg i KST 032/24: KST - 032/24: Se på det."),
            "Se på det."
        );
        assert_eq!(
            strip_decision_markers("Vedtak i KST 032/24: KST - 032/24 : Det er"),
            "Det er"
        );
        // Without a colon the reference belongs to the sentence.
        assert_eq!(
            strip_decision_markers("KST 032/24 vedtok dette."),
            "KST 032/24 vedtok dette."
        );
        assert_eq!(strip_decision_markers("Vedtak i saken: noe"), "Vedtak i saken: noe");
    }

    #[test]
    fn recurrences() {
        use Recurrence::*;
        let cases = [
            ("Samarbeidet evalueres løpende og minimum årlig.", Annual),
            ("Tiltaket evalueres årlig og rulleres løpende.", Annual),
            ("Metoden EVALUERES fortløpende og minimum ÅRLIG for å tilpasses", Annual),
            ("Det holdes årlig evaluering av tiltaket.", Annual),
            ("Planen rulleres minimum annethvert år.", Biennial),
            ("Kartlegging hvert annet år.", Biennial),
            ("Oversikten oppdateres løpende.", Continuous),
            ("Nettsiden oppdateres jevnlig.", Continuous),
            ("Rutinen revideres ved behov.", OnDemand),
            ("Forum en til to ganger årlig.", None),
            ("Tiltaket evalueres. Kurset holdes årlig.", None),
            ("Gjennomløpende tekst uten hint.", None),
        ];
        for (text, expected) in cases {
            assert_eq!(detect_recurrence(text), expected, "{text}");
        }
    }

    // Tests: line joining and titles.

    fn joined(lines: &[&str]) -> String {
        let mut text = String::new();
        for line in lines {
            join_line(&mut text, &clean_line(line));
        }
        text
    }

    #[test]
    fn hyphens_and_slashes_at_line_ends() {
        assert_eq!(
            joined(&["sikre ikke-", "stigmatiserende tilbud"]),
            "sikre ikke-stigmatiserende tilbud"
        );
        assert_eq!(joined(&["god forebyg-", "ging"]), "god forebygging");
        assert_eq!(joined(&["Forebyg-", "ging virker"]), "Forebygging virker");
        assert_eq!(
            joined(&["Line Glestad (PP-", "tjenesten)"]),
            "Line Glestad (PP-tjenesten)"
        );
        assert_eq!(joined(&["Barne-", "og ungdomsvern"]), "Barne- og ungdomsvern");
        assert_eq!(joined(&["Sørøst-", "Norge"]), "Sørøst-Norge");
        assert_eq!(joined(&["pre-teen-", "foreldre"]), "pre-teen-foreldre");
        assert_eq!(
            joined(&["skolehelsetjenesten/ ", "ungdomshelsestasjonen"]),
            "skolehelsetjenesten/ungdomshelsestasjonen"
        );
        assert_eq!(joined(&["Familiens hus v/", "lederteam"]), "Familiens hus v/ lederteam");
        assert_eq!(joined(&["løpende –", "tiltaksvifta"]), "løpende – tiltaksvifta");
        assert_eq!(joined(&["tiltak  og ", "  evidens"]), "tiltak og evidens");
        assert_eq!(joined(&["forebyg\u{ad}", "ging"]), "forebygging");
        assert_eq!(join_hyphenated("ikke", "stigmatiserende"), HyphenJoin::Keep);
        assert_eq!(join_hyphenated("forebyg", "ging"), HyphenJoin::Drop);
    }

    #[test]
    fn line_classification() {
        assert!(
            matches!(classify("Kap 7: Samarbeid:"), Kind::Chapter { number: 7, ref title } if title == "Samarbeid")
        );
        assert!(matches!(
            classify("Kap. 16: Minoritetsfamilier"),
            Kind::Chapter { number: 16, .. }
        ));
        assert!(matches!(classify("Kapasiteten økes"), Kind::Text));
        assert!(matches!(classify("Tiltak i planen"), Kind::Text));
        assert!(matches!(classify("Tiltak 3 er gjennomført."), Kind::Text));
        assert!(matches!(
            classify("Tiltak 3: Alkoholpolitikk"),
            Kind::HeadingAction { number: 3, .. }
        ));
        assert!(matches!(classify("5.Hjemmebesøk"), Kind::Action { number: 5, ref rest } if rest == "Hjemmebesøk"));
        assert!(matches!(classify("3.1 Hovedmål og lovkrav"), Kind::NumberedHeading));
        assert!(matches!(classify("1.1.2024 startet prosjektet"), Kind::Text));
        assert!(matches!(classify("- 12 -"), Kind::PageNumber));
        assert!(matches!(classify("Side 3 av 40"), Kind::PageNumber));
        assert!(matches!(
            classify("o at barn og unge"),
            Kind::Bullet { dash: false, .. }
        ));
        assert!(matches!(classify("http://www.ungfritid.no/"), Kind::Url));
    }

    #[test]
    fn titles() {
        assert_eq!(
            make_title("TIUR-samarbeidet videreføres. Det evalueres."),
            "TIUR-samarbeidet videreføres"
        );
        assert_eq!(make_title("Kort. Tekst som fortsetter."), "Kort. Tekst som fortsetter");
        assert_eq!(
            make_title("Tiltaket gjelder bl.a. Ringsaker og Hamar. Mer."),
            "Tiltaket gjelder bl.a. Ringsaker og Hamar"
        );
        assert_eq!(
            make_title("Oversikten oppdateres løpende – tiltaksvifta tilpasses"),
            "Oversikten oppdateres løpende"
        );
        assert_eq!(
            make_title("Mentorordning for ungdom iverksettes"),
            "Mentorordning for ungdom iverksettes"
        );
        // Over the limit: clause comma preferred, dangling words removed.
        let text = format!(
            "Kommunen utreder et nytt tilbud for ungdom i sentrum, {}",
            "og tilbudet skal være gratis ".repeat(5)
        );
        assert_eq!(
            make_title(&text),
            "Kommunen utreder et nytt tilbud for ungdom i sentrum"
        );
        let text = format!(
            "Kommunen utreder et nytt tilbud for ungdom (og {}",
            "for ungdom ".repeat(12)
        );
        assert_eq!(make_title(&text), "Kommunen utreder et nytt tilbud for ungdom");
        let long = "ord ".repeat(60);
        let title = make_title(&long);
        assert!(
            title.chars().count() <= TITLE_MAX_CHARS && title.ends_with("ord"),
            "{title}"
        );
    }
}
