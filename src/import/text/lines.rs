//! One line of the text: cleaned, and classified (chapter heading, numbered item, bullet,
//! page number, …) once up front.

/// A line shorter than this is never considered wrapped, whatever the
/// document's line width; short lists would otherwise look "wrapped".
pub(super) const WRAPPED_MIN_CHARS: usize = 45;

/// Limits for a line to look like a heading rather than running text.
pub(super) const HEADING_MAX_CHARS: usize = 80;
pub(super) const HEADING_MAX_WORDS: usize = 10;

/// Rejects NUL bytes, raw PDF files and text where more than a tenth of the
/// characters are control characters or U+FFFD (what a binary file looks
/// like after lossy decoding). Tabs, newlines and form feeds are fine.
pub(super) fn looks_like_text(input: &str) -> bool {
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
pub(super) struct Line {
    /// Trimmed, whitespace collapsed, invisible characters removed.
    pub(super) text: String,
    /// Length of `text` in characters.
    pub(super) chars: usize,
    pub(super) kind: Kind,
}

#[derive(Debug)]
pub(super) enum Kind {
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
    pub(super) fn new(raw: &str) -> Self {
        let text = clean_line(raw);
        let kind = classify(&text);
        Line {
            chars: text.chars().count(),
            text,
            kind,
        }
    }

    /// Whether this line can start a list when no section is given.
    pub(super) fn starts_list(&self) -> bool {
        match &self.kind {
            Kind::Chapter { .. } | Kind::HeadingAction { .. } => true,
            // "1." alone (text on the next line) counts; "2. trinn" does not.
            Kind::Action { rest, .. } => !starts_lowercase(rest),
            _ => false,
        }
    }
}

/// Collapses whitespace, removes invisible characters and glues "word/ word".
pub(super) fn clean_line(raw: &str) -> String {
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
pub(super) fn slash_glues(word: &str) -> bool {
    let Some(stem) = word.strip_suffix('/') else {
        return false;
    };
    let last = stem.rsplit('/').next().unwrap_or("");
    last.chars().count() >= 2 && last.chars().all(char::is_alphabetic)
}

pub(super) fn classify(text: &str) -> Kind {
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
pub(super) fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
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
pub(super) fn leading_number(text: &str, max: usize) -> Option<(u32, &str)> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > max {
        return None;
    }
    Some((text[..len].parse().ok()?, &text[len..]))
}

pub(super) fn is_page_number(text: &str) -> bool {
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
pub(super) fn parse_chapter_heading(text: &str) -> Option<(u32, String)> {
    let rest = strip_prefix_ci(text, "kapittel").or_else(|| strip_prefix_ci(text, "kap"))?;
    let rest = rest.strip_prefix('.').unwrap_or(rest).trim_start();
    let (number, after) = leading_number(rest, 3)?;
    let title = heading_title_after_number(after)?;
    Some((number, title.trim_end_matches(':').trim_end().to_string()))
}

/// "Tiltak 3 Alkoholpolitikk" / "Tiltak 3: Alkoholpolitikk".
pub(super) fn parse_tiltak_heading(text: &str) -> Option<(u32, String)> {
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
pub(super) fn heading_title_after_number(after: &str) -> Option<&str> {
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
pub(super) fn parse_numbered_item(text: &str) -> Option<(u32, &str)> {
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
pub(super) fn is_numbered_heading(text: &str) -> bool {
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
pub(super) fn parse_bullet(text: &str) -> Option<(&str, bool)> {
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

pub(super) fn is_bare_url(text: &str) -> bool {
    let lower = text.to_lowercase();
    !text.contains(' ') && (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
}

/// First letter is lowercase, or the line starts with punctuation that can
/// only continue a sentence.
pub(super) fn starts_lowercase(text: &str) -> bool {
    let mut chars = text.chars().skip_while(|c| matches!(c, '(' | '«' | '"' | '“' | '\''));
    chars
        .next()
        .is_some_and(|c| c.is_lowercase() || matches!(c, ',' | ';' | ')' | '.'))
}

/// Short, capitalised, without final punctuation: a heading rather than text.
pub(super) fn is_heading_like(text: &str) -> bool {
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
pub(super) fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches([')', '»', '"', '”', '\'', ' '])
        .ends_with(['.', '!', '?'])
}

/// Line length (in characters) from which a line counts as wrapped: 60 % of
/// the 90th percentile of non-blank line lengths, at least
/// [`WRAPPED_MIN_CHARS`]. The percentile ignores the odd very long line (a
/// Word paragraph on one line) that the maximum would be thrown off by.
pub(super) fn wrap_threshold(lines: &[Line]) -> usize {
    let mut lengths: Vec<usize> = lines.iter().filter(|l| l.chars > 0).map(|l| l.chars).collect();
    if lengths.is_empty() {
        return WRAPPED_MIN_CHARS;
    }
    lengths.sort_unstable();
    let p90 = lengths[(lengths.len() - 1) * 9 / 10];
    (p90 * 6 / 10).max(WRAPPED_MIN_CHARS)
}
