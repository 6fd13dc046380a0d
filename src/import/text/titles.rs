//! An action's title: the first sentence or clause of its text, shortened when needed.

use super::lines::strip_prefix_ci;

/// A title is never cut before this many characters, so that a short lead-in
/// such as "Det er en ambisjon" is not taken for a whole clause.
pub(super) const TITLE_MIN_CHARS: usize = 15;
/// Upper bound for titles, in characters.
pub(super) const TITLE_MAX_CHARS: usize = 120;
/// When a title must be shortened, a comma is preferred as the cut point if at
/// least this many characters come before it (a clause reads better than a
/// sentence cut in the middle).
pub(super) const TITLE_MIN_COMMA_CUT: usize = 40;

/// Words that make a poor end for a title cut at a word boundary.
pub(super) const DANGLING_WORDS: &[&str] = &[
    "og", "eller", "samt", "for", "i", "av", "til", "med", "om", "på", "at", "å", "som", "en", "et", "ei", "den",
    "det", "de", "mot", "fra", "ved", "under", "etter", "over", "mellom", "gjennom", "hos", "uten", "skal", "vil",
    "kan", "er", "har", "bl.a.", "jf.", "f.eks.",
];
/// Openings of a subordinate clause; the comma that closes such a clause is
/// no place to cut a title.
pub(super) const LEAD_INS: &[&str] = &[
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
pub(super) const ABBREVIATIONS: &[&str] = &[
    "bl.a", "ca", "dvs", "ekskl", "ev", "evt", "f.eks", "hhv", "iht", "ift", "inkl", "jf", "kap", "kl", "m.fl", "m.m",
    "mht", "mv", "nr", "osv", "pkt", "pr", "st", "tlf", "vha",
];

/// First sentence or clause of a description, shortened to
/// [`TITLE_MAX_CHARS`]; see [`ParsedAction::title`].
pub(super) fn make_title(description: &str) -> String {
    let text = description.trim();
    shorten_title(&text[..clause_end(text)])
}

/// Byte index where the first sentence or clause ends: at ". " (before a
/// capital, not after an abbreviation), ":", ";", or a spaced dash, but never
/// within the first [`TITLE_MIN_CHARS`] characters.
pub(super) fn clause_end(text: &str) -> usize {
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

pub(super) fn follows_abbreviation(before_dot: &str) -> bool {
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
pub(super) fn shorten_title(title: &str) -> String {
    let title = trim_title_end(title.trim());
    if title.chars().count() <= TITLE_MAX_CHARS {
        return title.to_string();
    }
    // Room for the ellipsis that tells the title was cut.
    let Some((limit, _)) = title.char_indices().nth(TITLE_MAX_CHARS - 1) else {
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
        return format!("{}…", trim_title_end(&title[..cut]));
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
    format!("{cut_title}…")
}

/// Whether the text after a comma continues a list of short items: at most
/// two words before the next comma or "og"/"eller".
pub(super) fn is_enumeration_comma(after: &str) -> bool {
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

pub(super) fn starts_with_lead_in(title: &str) -> bool {
    LEAD_INS
        .iter()
        .any(|lead| strip_prefix_ci(title, lead).is_some_and(|rest| rest.starts_with(' ')))
}

pub(super) fn trim_title_end(text: &str) -> &str {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '–' | '—' | '-'))
}
