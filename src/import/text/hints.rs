//! What the wording says beyond the text: council decision references and recurrence.

use super::lines::strip_prefix_ci;
use crate::domain::Recurrence;

/// Abbreviations of political bodies used in case references
/// ("KST 032/24" = kommunestyret, sak 032/24). Longest first.
pub(super) const DECISION_BODIES: &[&str] = &["KST", "FSK", "KS", "PS"];
/// Phrases that introduce a council decision at the start of an action.
pub(super) const DECISION_PHRASES: &[&str] = &[
    "vedtatt tillegg i",
    "vedtatt endring i",
    "vedtatt i",
    "vedtak i",
    "tillegg i",
    "endring i",
];

/// Verbs that describe reviewing or updating an action; "årlig" after one of
/// them in the same sentence makes the action annual.
pub(super) const REVIEW_VERBS: &[&str] = &["evalueres", "revideres", "rulleres", "oppdateres", "gjennomgås"];
pub(super) const YEARLY_PHRASES: &[&str] = &["årlig", "hvert år", "en gang i året", "en gang per år"];
pub(super) const YEARLY_NOUN_PHRASES: &[&str] = &[
    "årlig evaluering",
    "årlig revisjon",
    "årlig rullering",
    "årlig gjennomgang",
];
pub(super) const BIENNIAL_PHRASES: &[&str] = &[
    "annethvert år",
    "annenhvert år",
    "annet hvert år",
    "hvert annet år",
    "hvert andre år",
    "hvert 2. år",
];
pub(super) const CONTINUOUS_WORDS: &[&str] = &[
    "løpende",
    "fortløpende",
    "jevnlig",
    "jevnlige",
    "kontinuerlig",
    "kontinuerlige",
];
pub(super) const ON_DEMAND_PHRASES: &[&str] = &["ved behov", "etter behov"];

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

/// Removes the leading decision marker(s): "Vedtatt tillegg i KST 032/24:
/// KST - 032/24: Se på ..." becomes "Se på ...". Each marker is an optional
/// phrase ("Vedtak i"), a case reference and a colon; without the colon
/// nothing is removed, as the reference is then part of the sentence.
pub(super) fn strip_decision_markers(text: &str) -> &str {
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
pub(super) fn match_decision_ref(text: &str) -> Option<(String, usize)> {
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

/// "evalueres ... årlig" (or another review verb) within one sentence, or a
/// noun phrase such as "årlig evaluering". Expects lowercase text.
pub(super) fn is_annual(lower: &str) -> bool {
    sentences(lower).into_iter().any(|sentence| {
        YEARLY_NOUN_PHRASES.iter().any(|p| find_word(sentence, p, 0).is_some())
            || REVIEW_VERBS
                .iter()
                .filter_map(|verb| find_word(sentence, verb, 0).map(|i| i + verb.len()))
                .any(|after| YEARLY_PHRASES.iter().any(|y| find_word(sentence, y, after).is_some()))
    })
}

/// Splits at ".", "!" or "?" followed by whitespace.
pub(super) fn sentences(text: &str) -> Vec<&str> {
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
pub(super) fn find_word(hay: &str, needle: &str, from: usize) -> Option<usize> {
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
