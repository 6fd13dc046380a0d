use std::io::{Cursor, Write};

use base64::Engine;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;

use crate::helpers::{TestApp, error_code, error_field};
use crate::on_both_databases;

const REAL_PLAN: &str = include_str!("../data/forebyggende-plan.txt");
const IMPORT: &str = "mutation($input: ImportPlanInput!) { importPlan(input: $input) {
    created updated unchanged missing warnings hints dryRun plan { id title }
    actions { number title chapter outcome }
    list { line heading items contents summary } otherLists { line heading firstLine items contents } } }";
const STRATEGIES: &str = include_str!("../data/strategier-og-tiltak.txt");
const CONTENTS: &str = include_str!("../data/innhold-og-tiltak.txt");
const NO_SPACE: &str = include_str!("../data/tiltak-uten-mellomrom.txt");

/// The number and title of every action a result reports.
fn numbered_titles(result: &Value) -> Vec<(String, String)> {
    result["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["number"].as_str().unwrap().to_owned(),
                a["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected(titles: &[&str]) -> Vec<(String, String)> {
    titles
        .iter()
        .enumerate()
        .map(|(i, t)| ((i + 1).to_string(), (*t).to_owned()))
        .collect()
}
const PLAN_ACTIONS: &str = "query($id: ID!) { plan(id: $id) { chapters { number title actions {
    id number title description decisionRef recurrence suggestedUnit { name } status deadline tags version
    history { kind comment } } } } }";

async fn import(app: &TestApp, input: Value) -> Value {
    app.ok(IMPORT, json!({ "input": input })).await["importPlan"].clone()
}

/// Every action of a plan, keyed by number.
async fn actions(app: &TestApp, plan_id: &str) -> std::collections::BTreeMap<String, Value> {
    let data = app.ok(PLAN_ACTIONS, json!({ "id": plan_id })).await;
    data["plan"]["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["actions"].as_array().unwrap().clone())
        .map(|a| (a["number"].as_str().unwrap().to_owned(), a))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A workbook of one sheet with a header row and two actions, as a spreadsheet program writes it.
fn small_workbook() -> rust_xlsxwriter::Workbook {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in [
        ["Tiltak", "Tittel"],
        ["7.1", "Felles kompetanseplan"],
        ["7.2", "Taushetsplikt"],
    ]
    .iter()
    .enumerate()
    {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    workbook
}

/// The small workbook with its files changed: `replace` gives new content for a file by name,
/// `extra` adds files (packed with deflate).
fn forged_workbook(replace: &dyn Fn(&str) -> Option<Vec<u8>>, extra: &[(String, Vec<u8>)]) -> Vec<u8> {
    let original = small_workbook().save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(original)).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let file = archive.by_index(index).unwrap();
        let name = String::from_utf8(file.name_raw().to_vec()).unwrap();
        match replace(&name) {
            Some(content) => {
                drop(file);
                writer.start_file(name, SimpleFileOptions::default()).unwrap();
                writer.write_all(&content).unwrap();
            }
            None => writer.raw_copy_file(file).unwrap(),
        }
    }
    for (name, content) in extra {
        writer.start_file(name, SimpleFileOptions::default()).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const SHEET: &str = "xl/worksheets/sheet1.xml";

/// 2 MB of sheet XML that packs to a few kilobytes: 100,000 copies of one cell.
fn bomb_sheet() -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">",
    );
    xml.push_str(&"<c r=\"A1\"><v>0</v></c>".repeat(100_000));
    xml.push_str("</row></sheetData></worksheet>");
    xml.into_bytes()
}

on_both_databases! {
    async fn roles_that_may_not_import_are_refused_before_the_upload_is_read(app: TestApp) {
        let f = app.fixture().await;
        let bomb = base64(&forged_workbook(&|name| (name == SHEET).then(bomb_sheet), &[]));
        let uploads = [
            // Not base64 at all: decoding it first would answer VALIDATION.
            json!({ "title": "P", "format": "XLSX", "content": "ikke base64!" }),
            // A zip bomb: unpacking it first would answer VALIDATION naming the limit.
            json!({ "title": "P", "format": "XLSX", "content": bomb }),
            json!({ "planId": f.plan_id, "format": "TEXT", "content": REAL_PLAN }),
            json!({ "title": "P", "format": "CSV", "content": "ikke,en,plan" }),
        ];
        for role in ["VIEWER", "TEAM_MEMBER", "UNIT_LEADER"] {
            let unit = (role == "UNIT_LEADER").then_some(f.unit_id.as_str());
            let token = app.token_for(&format!("{}@kommune.no", role.to_lowercase()), role, unit).await;
            for input in &uploads {
                let response = app.gql_as(Some(&token), IMPORT, json!({ "input": input })).await;
                assert_eq!(error_code(&response), Some("FORBIDDEN"), "{role}: {response}");
            }
        }
        let plans = app.ok("{ plans { id chapters { actions { id } } } }", json!({})).await;
        assert_eq!(plans["plans"].as_array().unwrap().len(), 1, "no plan was created");
        assert_eq!(plans["plans"][0]["chapters"][0]["actions"].as_array().unwrap().len(), 1, "no action was created");
    }

    async fn zip_bombs_are_refused_naming_the_limit_and_a_normal_workbook_still_imports(app: TestApp) {
        let packed_hard = forged_workbook(&|name| (name == SHEET).then(bomb_sheet), &[]);
        // Each file is 1 MB of zeros (small enough to escape the ratio check), 60 of them.
        let zeros = vec![b'0'; 1024 * 1024];
        let many: Vec<(String, Vec<u8>)> = (0..60).map(|i| (format!("xl/media/fill{i}.bin"), zeros.clone())).collect();
        let unpacks_large = forged_workbook(&|_| None, &many);
        let mut far_apart = small_workbook();
        far_apart.worksheet_from_index(0).unwrap().write_string(1_048_575, 16_383, "langt unna").unwrap();
        let far_apart = far_apart.save_to_buffer().unwrap();
        let cases = [
            (packed_hard, "packed more than 100:1"),
            (unpacks_large, "unpacks to more than 50 MB"),
            (far_apart, "more than 200000 cells"),
        ];
        for (bytes, message) in cases {
            let response = app.gql(IMPORT, json!({ "input": { "title": "P", "format": "XLSX", "content": base64(&bytes) } })).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("content")), "{message}: {response}");
            let text = response["errors"][0]["message"].as_str().unwrap();
            assert!(text.contains(message), "{text} should say {message:?}");
        }
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"], json!([]), "nothing was written");

        let normal = small_workbook().save_to_buffer().unwrap();
        let result = import(&app, json!({ "title": "Fra regneark", "format": "XLSX", "content": base64(&normal) })).await;
        assert_eq!(strings(&result["created"]), ["7.1", "7.2"]);
    }

    async fn the_real_plan_imports_exactly_and_again_changes_nothing(app: TestApp) {
        for (name, leader) in [("NAV", "nav@k.no"), ("Kultur", "kultur@k.no")] {
            app.ok(
                "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }",
                json!({ "i": { "name": name, "leaderName": "Leder", "leaderEmail": leader } }),
            )
            .await;
        }
        let result = import(&app, json!({ "title": "Forebyggende plan", "format": "TEXT", "content": REAL_PLAN })).await;
        let expected: Vec<String> = [(7, 7), (8, 2), (9, 1), (10, 5), (11, 1), (12, 4), (13, 11), (14, 2), (15, 1), (16, 5), (17, 17)]
            .iter()
            .flat_map(|(chapter, count)| (1..=*count).map(move |n| format!("{chapter}.{n}")))
            .collect();
        assert_eq!(expected.len(), 56);
        assert_eq!(strings(&result["created"]), expected);
        let plan_id = result["plan"]["id"].as_str().unwrap().to_owned();

        let actions = actions(&app, &plan_id).await;
        assert_eq!(actions.keys().len(), 56);
        let listed: Vec<String> = app.ok("query($id: ID!) { actions(filter: {planId: $id}) { number } }", json!({ "id": plan_id })).await["actions"]
            .as_array().unwrap().iter().map(|a| a["number"].as_str().unwrap().to_owned()).collect();
        assert_eq!(listed, expected, "numeric order");
        assert_eq!(
            actions["13.7"]["description"],
            "Etablere samarbeid mellom Voksenpedagogisk senter, skolehelsetjenesten/ungdomshelsestasjonen og \
             Ungdomskontakten om veiledning av pre-teen-foreldre og tenåringsforeldre, for eksempel i form av ICDP-kurs."
        );
        assert_eq!(
            actions["12.3"]["description"],
            "Med forbehold om at framtidige økonomiske rammer ligger til rette for det, vil det være en ambisjon å \
             kunne tilby De utrolige årene (eller andre tilsvarende foreldrekurs) til alle foreldre"
        );
        let last = actions["17.17"]["description"].as_str().unwrap();
        assert!(last.starts_with("Det inngås samarbeidsavtale mellom Kultur og Familiens hus"), "{last}");
        assert!(last.ends_with("idrett, kultur og åpne fritdsaktiviteter."), "{last}");
        assert!(actions.values().all(|a| !a["description"].as_str().unwrap().contains("  ")));

        let amended: Vec<&String> = actions.iter().filter(|(_, a)| !a["decisionRef"].is_null()).map(|(n, _)| n).collect();
        assert_eq!(amended, ["12.4", "7.4"]);
        assert_eq!(actions["7.4"]["decisionRef"], "KST 032/24");
        assert!(actions["7.4"]["description"].as_str().unwrap().starts_with("Se på muligheten for samlokalisering"));
        for (number, recurrence) in [("7.6", "BIENNIAL"), ("7.7", "ANNUAL"), ("13.1", "ANNUAL"), ("13.2", "ANNUAL"), ("8.1", "ON_DEMAND"), ("12.1", "CONTINUOUS"), ("13.6", "NONE")] {
            assert_eq!(actions[number]["recurrence"], recurrence, "{number}");
        }
        assert_eq!(actions["17.8"]["suggestedUnit"]["name"], "NAV");
        assert_eq!(actions["17.15"]["suggestedUnit"]["name"], "Kultur");
        assert!(strings(&result["hints"]).contains(&"17.8: suggested responsible unit NAV (to be confirmed)".to_owned()));
        assert!(strings(&result["warnings"]).iter().any(|w| w.contains("http://www.ungfritid.no/")));

        let again = import(&app, json!({ "planId": plan_id, "format": "TEXT", "content": REAL_PLAN })).await;
        assert_eq!((again["created"].clone(), again["updated"].clone(), again["missing"].clone()), (json!([]), json!([]), json!([])));
        assert_eq!(strings(&again["unchanged"]).len(), 56);
        let after = self::actions(&app, &plan_id).await;
        assert!(after.values().all(|a| a["version"] == 1 && a["history"].as_array().unwrap().len() == 1));
    }

    async fn a_revised_document_updates_one_action_with_history_and_deletes_nothing(app: TestApp) {
        let plan_id = import(&app, json!({ "title": "P", "format": "TEXT", "content": REAL_PLAN })).await["plan"]["id"]
            .as_str().unwrap().to_owned();
        // 13.10 reworded, 17.17 taken out.
        let start = REAL_PLAN.find("17. Det inngås samarbeidsavtale").unwrap();
        let end = start + REAL_PLAN[start..].find("fritdsaktiviteter.").unwrap() + "fritdsaktiviteter.".len();
        let revised = format!("{}{}", &REAL_PLAN[..start], &REAL_PLAN[end..])
            .replace("10. Mentorordning for ungdom iverksettes", "10. Mentorordning for ungdom iverksettes i alle ungdomsskoler");
        let preview = import(&app, json!({ "planId": plan_id, "format": "TEXT", "content": revised, "dryRun": true })).await;
        assert_eq!(strings(&preview["updated"]), ["13.10"]);
        assert_eq!(actions(&app, &plan_id).await["13.10"]["version"], 1, "a dry run writes nothing");

        let result = import(&app, json!({ "planId": plan_id, "format": "TEXT", "content": revised })).await;
        assert_eq!(strings(&result["updated"]), ["13.10"]);
        assert_eq!(strings(&result["missing"]), ["17.17"]);
        assert_eq!(strings(&result["unchanged"]).len(), 54);
        let after = actions(&app, &plan_id).await;
        assert_eq!(after["13.10"]["description"], "Mentorordning for ungdom iverksettes i alle ungdomsskoler");
        let history = after["13.10"]["history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["comment"], "Endret ved import");
        assert!(after.contains_key("17.17"), "missing actions are reported, never deleted");
        assert_eq!(after.len(), 56);
    }

    async fn a_dry_run_of_a_new_plan_writes_nothing(app: TestApp) {
        let result = import(&app, json!({ "title": "P", "format": "TEXT", "content": REAL_PLAN, "dryRun": true })).await;
        assert_eq!((strings(&result["created"]).len(), result["dryRun"].clone(), result["plan"].clone()), (56, json!(true), json!(null)));
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"], json!([]));
    }

    async fn other_layouts_import_too(app: TestApp) {
        let headed = "Rusmiddelpolitisk handlingsplan\n\nTiltak 1 Skjenkekontroll\n• Minst 50 kontroller i året\n• Opplæring av skjenkepersonale\n\nTiltak 2: Alkoholpolitikk\n- Retningslinjer evalueres årlig\n";
        let result = import(&app, json!({ "title": "Rusplan", "format": "TEXT", "content": headed })).await;
        assert_eq!(strings(&result["created"]), ["1", "2"]);
        let plan = actions(&app, result["plan"]["id"].as_str().unwrap()).await;
        assert_eq!(plan["1"]["title"], "Skjenkekontroll");
        assert!(plan["1"]["description"].as_str().unwrap().contains("Opplæring av skjenkepersonale"));
        assert_eq!(plan["2"]["recurrence"], "ANNUAL");

        let lists = "Mål\n1. Høy sysselsetting\n2. God folkehelse\n\nStrategier\n1. Tidlig innsats\n2.Hjemmebesøk til alle nyfødte\n3. Foreldreveiledning\n";
        let result = import(&app, json!({ "title": "Folkehelse", "format": "TEXT", "content": lists, "section": "Strategier" })).await;
        assert_eq!(strings(&result["created"]), ["1", "2", "3"]);
        let plan = actions(&app, result["plan"]["id"].as_str().unwrap()).await;
        assert_eq!(plan["2"]["title"], "Hjemmebesøk til alle nyfødte");
    }

    async fn csv_and_json_exports_import_to_the_same_plan(app: TestApp) {
        let f = app.fixture().await;
        app.ok(
            "mutation($id: ID!) { updateAction(input: {actionId: $id, deadline: \"2026-12-31\", tags: [\"SLT\", \"ungdom\"], preventionLevel: SELECTIVE, description: \"Linje 1, med komma\\nLinje 2\"}) { id } }",
            json!({ "id": f.action_id }),
        )
        .await;
        app.ok("mutation($id: ID!) { updateActionStatus(input: {actionId: $id, status: DELAYED, comment: \"Venter\"}) { id } }", json!({ "id": f.action_id })).await;
        app.add_action(&f.chapter_id, 10, &f.other_unit_id).await;
        let export = "query($id: ID!, $f: ExportFormat!) { exportPlan(planId: $id, format: $f) }";
        for format in ["CSV", "JSON"] {
            let exported = app.ok(export, json!({ "id": f.plan_id, "f": format })).await["exportPlan"].as_str().unwrap().to_owned();
            if format == "CSV" {
                // As Norwegian Excel opens it, like the report CSV: a byte-order mark and semicolons.
                assert!(exported.starts_with("\u{feff}kapittel;kapitteltittel;tiltak;tittel;"), "{exported}");
            }
            let copy = import(&app, json!({ "title": format!("Kopi {format}"), "format": format, "content": exported })).await;
            assert_eq!(strings(&copy["created"]), ["13.1", "13.10"]);
            let copy_id = copy["plan"]["id"].as_str().unwrap();
            let again = app.ok(export, json!({ "id": copy_id, "f": format })).await["exportPlan"].as_str().unwrap().to_owned();
            let comparable = |text: &str| text.replace(&format!("Kopi {format}"), "Forebyggende plan");
            assert_eq!(comparable(&again), exported, "{format} round trip");
            let copied = actions(&app, copy_id).await;
            assert_eq!(copied["13.1"]["status"], "DELAYED");
            assert_eq!(copied["13.1"]["tags"], json!(["SLT", "ungdom"]));
        }
    }

    async fn an_xlsx_workbook_imports(app: TestApp) {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let rows = [
            ["Kapittel", "Kapitteltittel", "Tiltak", "Tittel", "Ansvarlig", "Frist", "Status"],
            ["7", "Samarbeid", "7.1", "Felles kompetanseplan", "", "2026-03-01", "Pågår"],
            ["7", "Samarbeid", "7.2", "Taushetsplikt i kompetanseplaner", "", "", ""],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *value).unwrap();
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let content = base64::engine::general_purpose::STANDARD.encode(bytes);
        let result = import(&app, json!({ "title": "Fra regneark", "format": "XLSX", "content": content })).await;
        assert_eq!(strings(&result["created"]), ["7.1", "7.2"]);
        let plan = actions(&app, result["plan"]["id"].as_str().unwrap()).await;
        assert_eq!((plan["7.1"]["status"].clone(), plan["7.1"]["deadline"].clone()), (json!("IN_PROGRESS"), json!("2026-03-01")));
    }

    async fn files_that_are_not_plans_fail_cleanly_and_write_nothing(app: TestApp) {
        let binary = base64::engine::general_purpose::STANDARD.encode([0u8, 159, 146, 150, 1, 2, 3]);
        let cases = [
            json!({ "title": "P", "format": "TEXT", "content": "   \n " }),
            json!({ "title": "P", "format": "TEXT", "content": "%PDF-1.7\u{0}\u{1}binary" }),
            json!({ "title": "P", "format": "TEXT", "content": "Bare prosa uten nummererte tiltak.\nEn linje til." }),
            json!({ "title": "P", "format": "CSV", "content": "navn,beskrivelse\nA,B\n" }),
            json!({ "title": "P", "format": "CSV", "content": "tiltak,tittel,frist\n1.1,A,i morgen\n" }),
            json!({ "title": "P", "format": "XLSX", "content": binary }),
            json!({ "title": "P", "format": "XLSX", "content": "ikke base64!" }),
            json!({ "title": "P", "format": "JSON", "content": "{\"chapters\": 3}" }),
        ];
        for input in cases {
            let response = app.gql(IMPORT, json!({ "input": input })).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("content")), "{input}: {response}");
        }
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"], json!([]));
    }

    async fn the_list_a_person_means_is_read_and_the_others_are_named(app: TestApp) {
        // "Tiltak N" headings after a short list of two strategies: the ten actions.
        let result = import(&app, json!({ "title": "Folkehelse", "format": "TEXT", "content": STRATEGIES, "dryRun": true })).await;
        assert_eq!(numbered_titles(&result), expected(&[
            "Fysisk aktivitet i skolen", "Sunne måltider i barnehagen", "Møteplasser for eldre", "Tobakksfri skoletid",
            "Trygge skoleveier", "Lavterskeltilbud innen psykisk helse", "Turstier i nærmiljøet", "Åpen hall for ungdom",
            "Frivilligsentral", "Folkehelseoversikt",
        ]));
        assert_eq!((result["list"]["line"].clone(), result["list"]["items"].clone()), (json!(17), json!(10)));
        assert_eq!(result["otherLists"], json!([{ "line": 11, "heading": "Planen har to hovedstrategier:", "firstLine": "1. Helse i alt vi gjør", "items": 2, "contents": false }]));
        assert_eq!((result["plan"].clone(), result["actions"][0]["outcome"].clone(), result["actions"][0]["chapter"].clone()), (json!(null), json!("CREATED"), json!("")));
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"], json!([]), "a dry run creates no plan");

        // Contents first, the list later under a capitals heading wrapped over two lines.
        let titles = [
            "Kommunen etablerer et tverrfaglig ressursteam mot vold i nære relasjoner",
            "Alle ansatte i barnehage og skole får opplæring i å avdekke vold",
            "Rutinen for samtaler med barn ved bekymring revideres",
            "Krisesentertilbudet gjøres kjent på kommunens nettsider og i fastlegekontorene",
            "Det opprettes en fast kontaktperson for voldsutsatte i NAV",
            "Kommunen deltar i det regionale nettverket mot vold i nære relasjoner",
            "Politiet og kommunen holder felles samarbeidsmøter to ganger i året",
            "Planen evalueres årlig i kommunestyret",
        ];
        let result = import(&app, json!({ "title": "Vold", "format": "TEXT", "content": CONTENTS })).await;
        assert_eq!(numbered_titles(&result), expected(&titles));
        assert_eq!(result["list"]["heading"], "OVERSIKT OVER TILTAK I HANDLINGSPLANEN 2025–2028");
        assert_eq!((result["otherLists"][0]["line"].clone(), result["otherLists"][0]["contents"].clone()), (json!(5), json!(true)));
        let plan = actions(&app, result["plan"]["id"].as_str().unwrap()).await;
        assert_eq!(plan["8"]["recurrence"], "ANNUAL");
        // The heading as a person reads it finds the same list.
        let result = import(&app, json!({ "title": "Vold 2", "format": "TEXT", "content": CONTENTS, "section": "oversikt over tiltak i handlingsplanen", "dryRun": true })).await;
        assert_eq!(numbered_titles(&result), expected(&titles));
        assert!(strings(&result["warnings"]).is_empty(), "{result}");
        // A heading that is not there: a validation error naming section, nothing written.
        let response = app.gql(IMPORT, json!({ "input": { "title": "Vold 3", "format": "TEXT", "content": CONTENTS, "section": "Handlingsplan mot rus" } })).await;
        assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("section")), "{response}");

        // "5.Title" items; a long one is cut at a clause and ends with "…", its text whole.
        let result = import(&app, json!({ "title": "Bibliotek", "format": "TEXT", "content": NO_SPACE })).await;
        let long = "Hjemmebesøk med bokpakker til eldre som ikke kommer seg ut, i samarbeid med frivilligsentralen og hjemmetjenesten…";
        assert_eq!(numbered_titles(&result), expected(&[
            "Utvidet åpningstid i helgene", "Lesekampanje for barn i sommerferien", "Språkkafé for nye innbyggere",
            "Digital hjelp for eldre hver tirsdag", long,
        ]));
        let plan = actions(&app, result["plan"]["id"].as_str().unwrap()).await;
        assert_eq!(plan["5"]["title"], long);
        assert!(plan["5"]["description"].as_str().unwrap().ends_with("langt fra sentrum i kommunen"));
        assert_eq!(app.ok("{ plans { title } }", json!({})).await["plans"].as_array().unwrap().len(), 2);
    }

    async fn the_real_plan_as_a_word_document_imports_the_same_56_actions(app: TestApp) {
        let docx = base64(include_bytes!("../data/forebyggende-plan.docx"));
        let from_word = import(&app, json!({ "title": "Fra Word", "format": "DOCX", "content": docx })).await;
        let from_text = import(&app, json!({ "title": "Fra tekst", "format": "TEXT", "content": REAL_PLAN })).await;
        let created = strings(&from_word["created"]);
        assert_eq!((created.len(), created[0].as_str(), created[55].as_str()), (56, "7.1", "17.17"));
        assert_eq!(from_word["actions"], from_text["actions"]);
        let word = actions(&app, from_word["plan"]["id"].as_str().unwrap()).await;
        let text = actions(&app, from_text["plan"]["id"].as_str().unwrap()).await;
        for (number, action) in &word {
            assert_eq!((&action["title"], &action["description"]), (&text[number]["title"], &text[number]["description"]), "{number}");
        }
        // Not base64, and not a Word document: validation errors on content, nothing written.
        for content in ["ikke base64!".to_string(), base64(b"PK\x03\x04 ikke et dokument")] {
            let response = app.gql(IMPORT, json!({ "input": { "title": "X", "format": "DOCX", "content": content } })).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("content")), "{response}");
        }
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"].as_array().unwrap().len(), 2);
    }

    async fn the_real_plan_as_a_pdf_imports_the_same_56_actions_and_a_scan_is_explained(app: TestApp) {
        if std::process::Command::new("pdftotext").arg("-v").output().is_err() {
            assert!(std::env::var_os("CI").is_none(), "CI installs poppler-utils (.ci/run)");
            return;
        }
        let pdf = base64(include_bytes!("../data/forebyggende-plan.pdf"));
        let from_pdf = import(&app, json!({ "title": "Fra PDF", "format": "PDF", "content": pdf })).await;
        let from_text = import(&app, json!({ "title": "Fra tekst", "format": "TEXT", "content": REAL_PLAN })).await;
        let created = strings(&from_pdf["created"]);
        assert_eq!((created.len(), created[0].as_str(), created[55].as_str()), (56, "7.1", "17.17"));
        assert_eq!(from_pdf["actions"], from_text["actions"]);
        let from_pdf = actions(&app, from_pdf["plan"]["id"].as_str().unwrap()).await;
        let text = actions(&app, from_text["plan"]["id"].as_str().unwrap()).await;
        for (number, action) in &from_pdf {
            assert_eq!((&action["title"], &action["description"]), (&text[number]["title"], &text[number]["description"]), "{number}");
        }
        // A page without text, as a scan without OCR is: a message in bokmål, nothing written.
        let scan = base64(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        let response = app.gql(IMPORT, json!({ "input": { "title": "Skannet", "format": "PDF", "content": scan } })).await;
        assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("content")), "{response}");
        assert!(response.to_string().contains("PDF-en har ingen tekst å lese"), "{response}");
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"].as_array().unwrap().len(), 2);
    }
}
