//! The text importer on the real plan and on small documents for each layout.

use super::{
    hints::strip_decision_markers,
    join::join_line,
    lines::{Kind, classify, clean_line},
    titles::{TITLE_MAX_CHARS, make_title},
    *,
};

/// The real plan this importer was written for.
const REAL_PLAN: &str = include_str!("../../../tests/data/forebyggende-plan.txt");

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

/// Read as the import reads it, with the numbering check shared by all formats.
fn checked(text: &str, section: Option<&str>) -> crate::import::PlanDocument {
    crate::import::read(crate::import::Format::Text, text.as_bytes(), section).unwrap()
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
    let explicit =
        parse_plan_text(REAL_PLAN, Some("oversikt over planens foreslåtte tiltak:")).expect("explicit section parses");
    let overview = real_plan();
    assert_eq!(explicit.chapters, overview.chapters);
    // A named heading takes the heading-like line under it ("Tiltak i planen") as its
    // wrapped rest.
    assert_eq!(explicit.warnings, overview.warnings[1..]);
    assert_eq!(explicit.other_lists, overview.other_lists);
    let list = explicit.list.expect("the chosen list is named");
    assert_eq!((list.line, list.actions), (108, 56));
    assert_eq!(list.heading.as_deref(), Some("oversikt over planens foreslåtte tiltak"));
    // Without the overview heading the chaptered list still wins over the body's short
    // "Forslag til tiltak:" lists.
    let without: String = REAL_PLAN.replace("Oversikt over planens foreslåtte tiltak", "Oversikt");
    let chosen = parse_plan_text(&without, None).unwrap();
    assert_eq!(chosen.chapters, overview.chapters);
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
            // A cut title ends with "…"; the whole text stays in the description.
            let cut = a.title.strip_suffix('…');
            assert!(a.description.starts_with(cut.unwrap_or(&a.title)), "{:?}", a.title);
            assert!(
                cut.is_none() || a.description.chars().count() > TITLE_MAX_CHARS,
                "{:?}",
                a.title
            );
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
         være en ambisjon å kunne tilby…"
    );
    // Commas between list items are no clause ends.
    assert_eq!(
        action(&plan, 13, 9).title,
        "Det utarbeides retningslinjer for målrettet, koordinert, samordnet og flerfaglig \
         innsats mot marginalisering…"
    );
    assert_eq!(
        action(&plan, 10, 4).title,
        "Familiens hus vurderes styrket med psykolog…"
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
        checked("Tiltak 3 Alkoholpolitikk\n", None).warnings,
        vec!["line 1: 1 to 2 are missing (the list starts at 3)"]
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
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(
        checked(TWO_LISTS, Some("Strategier")).warnings,
        vec!["line 10: 3 to 4 are missing (2 is followed by 5)"]
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
fn without_section_the_longer_list_is_read_and_the_other_reported() {
    let plan = parse_plan_text(TWO_LISTS, None).unwrap();
    assert_eq!(only_chapter(&plan).actions.len(), 3);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(
        plan.list.unwrap().to_string(),
        "line 8 under \"Strategier\": 3 items, starting \"1. Samarbeid med næringslivet\""
    );
    let others: Vec<String> = plan.other_lists.iter().map(ToString::to_string).collect();
    assert_eq!(
        others,
        ["line 4 under \"Mål:\": 2 items, starting \"1. Høy sysselsetting\""]
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
    // The parser keeps every numbered item; the numbering check drops the repeat.
    let plan = parse_plan_text(text, None).unwrap();
    let numbers: Vec<u32> = only_chapter(&plan).actions.iter().map(|a| a.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 6, 6, 7, 5]);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let document = checked(text, None);
    let numbers: Vec<u32> = document.chapters[0].actions.iter().map(|a| a.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 6, 7, 5]);
    assert_eq!(document.chapters[0].actions[4].description, "Seks.");
    assert_eq!(
        document.warnings,
        vec![
            "line 7: 13.6 is repeated (first on line 6); the later one is skipped",
            "line 10: 13.5 is out of order (after 13.7)",
        ]
    );
}

#[test]
fn chapter_gaps_are_warned_about() {
    let text = "Kap 1: A\n1. En.\nKap 3: B\n1. En.\n";
    let document = checked(text, None);
    assert_eq!(document.chapters.len(), 2);
    assert_eq!(document.warnings, vec!["line 4: chapter 3 follows chapter 1"]);
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
    assert!(matches!(classify("Kap 7: Samarbeid:"), Kind::Chapter { number: 7, ref title } if title == "Samarbeid"));
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
        "Kommunen utreder et nytt tilbud for ungdom i sentrum…"
    );
    let text = format!(
        "Kommunen utreder et nytt tilbud for ungdom (og {}",
        "for ungdom ".repeat(12)
    );
    assert_eq!(make_title(&text), "Kommunen utreder et nytt tilbud for ungdom…");
    let long = "ord ".repeat(60);
    let title = make_title(&long);
    assert!(
        title.chars().count() <= TITLE_MAX_CHARS && title.ends_with("ord…"),
        "{title}"
    );
}

// Tests: the documents of issue 17 (tests/data, see its README).

fn all_numbers_and_titles(plan: &ParsedPlan) -> Vec<(u32, String)> {
    plan.chapters
        .iter()
        .flat_map(|c| &c.actions)
        .map(|a| (a.number, a.title.clone()))
        .collect()
}

#[test]
fn tiltak_headings_win_over_a_short_list_of_strategies() {
    let text = include_str!("../../../tests/data/strategier-og-tiltak.txt");
    let plan = parse_plan_text(text, None).unwrap();
    let titles = [
        "Fysisk aktivitet i skolen",
        "Sunne måltider i barnehagen",
        "Møteplasser for eldre",
        "Tobakksfri skoletid",
        "Trygge skoleveier",
        "Lavterskeltilbud innen psykisk helse",
        "Turstier i nærmiljøet",
        "Åpen hall for ungdom",
        "Frivilligsentral",
        "Folkehelseoversikt",
    ];
    let expected: Vec<(u32, String)> = (1..).zip(titles.map(String::from)).collect();
    assert_eq!(all_numbers_and_titles(&plan), expected);
    assert_eq!(
        only_chapter(&plan).actions[0].description,
        "Minst én time fysisk aktivitet hver skoledag. Aktive friminutt med voksne som setter i gang lek."
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(plan.list.as_ref().unwrap().line, 17);
    let others: Vec<String> = plan.other_lists.iter().map(ToString::to_string).collect();
    assert_eq!(
        others,
        ["line 11 under \"Planen har to hovedstrategier:\": 2 items, starting \"1. Helse i alt vi gjør\""]
    );
}

const CONTENTS_TITLES: [&str; 8] = [
    "Kommunen etablerer et tverrfaglig ressursteam mot vold i nære relasjoner",
    "Alle ansatte i barnehage og skole får opplæring i å avdekke vold",
    "Rutinen for samtaler med barn ved bekymring revideres",
    "Krisesentertilbudet gjøres kjent på kommunens nettsider og i fastlegekontorene",
    "Det opprettes en fast kontaktperson for voldsutsatte i NAV",
    "Kommunen deltar i det regionale nettverket mot vold i nære relasjoner",
    "Politiet og kommunen holder felles samarbeidsmøter to ganger i året",
    "Planen evalueres årlig i kommunestyret",
];

#[test]
fn a_table_of_contents_loses_to_the_list_under_a_wrapped_capitals_heading() {
    let text = include_str!("../../../tests/data/innhold-og-tiltak.txt");
    let expected: Vec<(u32, String)> = (1..).zip(CONTENTS_TITLES.map(String::from)).collect();
    let plan = parse_plan_text(text, None).unwrap();
    assert_eq!(all_numbers_and_titles(&plan), expected);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let list = plan.list.as_ref().unwrap();
    assert_eq!(
        list.to_string(),
        "line 27 under \"OVERSIKT OVER TILTAK I HANDLINGSPLANEN 2025–2028\": 8 items, starting \
         \"1. Kommunen etablerer et tverrfaglig ressursteam mot vold i ...\""
    );
    let contents = &plan.other_lists[0];
    assert_eq!((contents.line, contents.actions, contents.contents), (5, 5, true));
    assert_eq!(only_chapter(&plan).actions[7].recurrence, Recurrence::Annual);
    // The heading as a person reads it: any case, the first words, across the wrap, with
    // stray punctuation and spaces.
    for section in [
        "Oversikt over tiltak i handlingsplanen",
        "oversikt over tiltak",
        "OVERSIKT OVER TILTAK I HANDLINGSPLANEN 2025-2028",
        "  Oversikt   over tiltak i: ",
        "oversikt over tiltak i handlingsplanen 2025–2028.",
    ] {
        let plan = parse_plan_text(text, Some(section)).unwrap_or_else(|e| panic!("{section}: {e}"));
        assert_eq!(all_numbers_and_titles(&plan), expected, "{section}");
        assert!(plan.warnings.is_empty(), "{section}: {:?}", plan.warnings);
    }
    // A word that is not the heading's is not found.
    assert_eq!(
        parse_plan_text(text, Some("Oversikt over tiltakene")),
        Err(ParseError::SectionNotFound("Oversikt over tiltakene".into()))
    );
}

#[test]
fn items_without_a_space_after_the_number() {
    let text = include_str!("../../../tests/data/tiltak-uten-mellomrom.txt");
    let plan = parse_plan_text(text, None).unwrap();
    assert_eq!(
        all_numbers_and_titles(&plan),
        vec![
            (1, "Utvidet åpningstid i helgene".to_string()),
            (2, "Lesekampanje for barn i sommerferien".to_string()),
            (3, "Språkkafé for nye innbyggere".to_string()),
            (4, "Digital hjelp for eldre hver tirsdag".to_string()),
            (
                5,
                "Hjemmebesøk med bokpakker til eldre som ikke kommer seg ut, i samarbeid med \
                 frivilligsentralen og hjemmetjenesten…"
                    .to_string()
            ),
        ]
    );
    let last = &only_chapter(&plan).actions[4];
    assert!(
        last.description.ends_with("langt fra sentrum i kommunen"),
        "{}",
        last.description
    );
    assert!(last.title.chars().count() <= TITLE_MAX_CHARS);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}
