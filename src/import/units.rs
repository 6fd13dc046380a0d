//! Suggesting the responsible unit from an action's text.

use uuid::Uuid;

/// Words plans use for common units, keyed by a word in the unit's registered name: a unit
/// whose name contains the key is also found by these words.
const ALIASES: &[(&str, &[&str])] = &[
    ("nav", &["nav"]),
    ("kultur", &["enhet kultur", "kultur"]),
    ("slt", &["slt-koordinator", "slt-samarbeidet", "slt-modellen", "slt"]),
    ("familiens hus", &["familiens hus lederteam", "familiens hus"]),
    ("barne- og ungdomsvern", &["barneverntjenesten", "barnevernet"]),
    (
        "helsestasjon",
        &[
            "helsestasjon",
            "skolehelsetjenesten",
            "skolehelsetjeneste",
            "ungdomshelsestasjonen",
        ],
    ),
    ("pp-tjenesten", &["ppt"]),
    ("voksenpedagogisk", &["voksenpedagogisk senter"]),
    (
        "tjenestetildeling",
        &["enhet for tjenestetildeling", "tildelingsenheten"],
    ),
    ("ungdomskontakt", &["ungdomskontakten"]),
];

/// The unit named earliest in the text, by its name or a known alias, matched as whole words.
pub fn suggest_unit(text: &str, units: &[(Uuid, String)]) -> Option<Uuid> {
    let text = text.to_lowercase();
    units
        .iter()
        .filter_map(|(id, name)| {
            let name = name.to_lowercase();
            let aliases = ALIASES
                .iter()
                .filter(|(key, _)| name.contains(key))
                .flat_map(|(_, words)| words.iter());
            std::iter::once(name.as_str())
                .chain(aliases.copied())
                .filter_map(|term| find_word(&text, term))
                .min()
                .map(|position| (position, *id))
        })
        .min()
        .map(|(_, id)| id)
}

fn find_word(text: &str, term: &str) -> Option<usize> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(term)
        .find(|(at, _)| boundary(text[..*at].chars().next_back()) && boundary(text[at + term.len()..].chars().next()))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_units_by_name_or_alias_as_whole_words() {
        let (nav, kultur, slt) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let units = vec![
            (nav, "NAV Ringsaker".to_owned()),
            (kultur, "Kultur".into()),
            (slt, "SLT-koordinator".into()),
        ];
        let text = "skal NAV fremme informasjon om Ungdomsgarantien";
        assert_eq!(suggest_unit(text, &units), Some(nav));
        assert_eq!(
            suggest_unit("Enhet Kultur inviterer kommunale enheter", &units),
            Some(kultur)
        );
        assert_eq!(
            suggest_unit("Trygghetsprogrammet gjennom SLT-modellen. Kultur deltar", &units),
            Some(slt)
        );
        assert_eq!(suggest_unit("navnet på kulturaktiviteter", &units), None);
    }
}
