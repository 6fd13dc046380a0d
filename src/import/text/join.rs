//! Undoing line wrapping: hyphens, slashes and bullets joined into clean sentences.

use super::lines::slash_glues;

/// Fragments that stay hyphenated at a line break because they form real
/// compounds in Norwegian ("ikke-stigmatiserende", "ny-etablert",
/// "re-etablere"), as opposed to words split by the layout engine.
pub(super) const KEEP_HYPHEN_PREFIXES: &[&str] = &[
    "ikke", "ny", "re", "anti", "eks", "ekstra", "halv", "kvasi", "non", "post", "pre", "semi", "sub", "super", "ultra",
];
/// Words that, after "Barne-" at a line end, show a suspended compound
/// ("Barne- og ungdomsvern"): the hyphen stays and so does the space.
pub(super) const SUSPENDED_COMPOUND_WORDS: &[&str] = &["og", "eller", "samt"];

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

/// Appends a cleaned line to the text built so far, undoing line wrapping.
pub(super) fn join_line(text: &mut String, next: &str) {
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
pub(super) fn terminate_segment(text: &mut String) {
    let trimmed_len = text.trim_end_matches([',', ' ']).len();
    text.truncate(trimmed_len);
    if !text.is_empty() && !text.ends_with(['.', '!', '?', ':', ';']) {
        text.push('.');
    }
}
