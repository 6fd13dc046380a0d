//! The importers (`tiltak::import::read`: text, DOCX, CSV, XLSX, JSON) and the free-text guard fed
//! random input and mutations of real documents: the example plan's text and small valid
//! CSV, XLSX and JSON files. Whatever comes in, a call returns an answer and never panics.

use std::{
    fmt::Debug,
    io::{Cursor, Write},
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant},
};

use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner},
};
use tiltak::{
    domain::{optional_text, required_text, validate_email, validate_progress},
    import::{self, Format},
};

use crate::fuzz_seconds;

const REAL_PLAN: &str = include_str!("../data/forebyggende-plan.txt");
const PLAN_DOCX: &[u8] = include_bytes!("../data/forebyggende-plan.docx");

/// Spreadsheets as municipalities write them: Norwegian headers with semicolons, English with
/// commas, quoted line breaks.
const CSV_DOCS: &[&str] = &[
    "Kapittel;Kapitteltittel;Tiltak;Tittel;Beskrivelse;Ansvarlig;Frist;Status;Forebyggingsnivå;Gjentakelse;Stikkord\n\
     13;Atferd;13.10;Mentorordning;Mentorer for ungdom;SLT-koordinator;31.12.2026;Pågår;selective;annual;SLT, ungdom\n\
     13;Atferd;13.9;Retningslinjer;;;;;;;\n",
    "chapter,number,title,description,deadline,status,tags\n7,7.1,\"Tittel, med komma\",\"Linje 1\nLinje 2\",2026-01-01,DELAYED,a;b\n7,7.3,B,,,,\n",
    "\u{feff}tiltak,tittel\n1,A\n2,B\n",
];

/// Pieces that make parsers take unusual paths: headings, numbering, decision references,
/// recurrence phrases, characters whose case changes their length, odd whitespace, huge
/// numbers, and XML and JSON syntax for the formats that carry them.
const FRAGMENTS: &[&str] = &[
    "Kap 13",
    "Kap. 7 ",
    "Kapittel 2:",
    "13.6",
    "1.",
    "2)",
    "Tiltak 3",
    "Tiltak:",
    "\n",
    "\r\n",
    "\n\n",
    "• ",
    "- ",
    "– ",
    "KST 032/24",
    "Vedtatt tillegg i KST 032/24",
    "evalueres årlig",
    "rulleres minimum annethvert år",
    "ved behov",
    "Oversikt over planens foreslåtte tiltak",
    "Side 3 av 40",
    "http://www.ungfritid.no/",
    "-\n",
    "…",
    "\u{feff}",
    "\u{0}",
    "\t",
    "\u{a0}",
    "\u{200b}",
    "İ",
    "ẞ",
    "Ω",
    "ﬁ",
    "é",
    "\u{301}",
    "𝟙𝟛",
    "٣",
    "😀",
    "99999999999999999999",
    "4294967296",
    "0",
    "0.0",
    "-1",
    "13.",
    ".",
    "..",
    "1.1.1",
    "31.12.2026",
    "2026-02-30",
    "\"",
    ",",
    ";",
    "\"\"",
    "<",
    ">",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "<row r=\"0\">",
    "<row r=\"1048577\">",
    "<c r=\"XFD1048576\"><v>1</v></c>",
    "<c r=\"A0\"><v>1</v></c>",
    "<c r=\"ZZZZZZ1\"><v>1</v></c>",
    "<c r=\"B2\" t=\"s\"><v>99999</v></c>",
    "<c r=\"C3\" t=\"b\"><v>2</v></c>",
    "<c t=\"d\"><v>x</v></c>",
    "<c><v>1e309</v></c>",
    "<c t=\"inlineStr\"><is><t>x</t></is></c>",
    "<f>SUM(A1:A9)</f>",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "<si><t>y</t></si>",
    "</sheetData>",
    "<!--",
    "<![CDATA[",
    "null",
    "{}",
    "[]",
    "[[[[",
    "{\"",
    "1e999",
    "\\ud800",
    "\"number\": 4294967295",
    "\"status\": \"X\"",
    "\"deadline\": \"2026-13-01\"",
    "\"chapters\": []",
];

/// One change to a document. Positions are taken modulo the document's length.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    Duplicate { at: usize, len: usize },
    Flip { at: usize, byte: u8 },
    Truncate { at: usize },
}

fn insertion() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| s.chars().take(24).collect()),
        1 => vec(proptest::sample::select(FRAGMENTS), 1..6).prop_map(|parts| parts.concat()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        2 => (at, 1..400usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        4 => (at, insertion()).prop_map(|(at, text)| Edit::Insert { at, text }),
        1 => (at, 1..2_000usize).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        1 => (at, any::<u8>()).prop_map(|(at, byte)| Edit::Flip { at, byte }),
        1 => at.prop_map(|at| Edit::Truncate { at }),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    vec(edit(), 1..8)
}

/// Applies edits to bytes: the result may be invalid UTF-8, as an uploaded file may be.
fn edit_bytes(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for edit in edits {
        let position = |at: usize, len: usize| if len == 0 { 0 } else { at % (len + 1) };
        let at = match edit {
            Edit::Delete { at, .. }
            | Edit::Insert { at, .. }
            | Edit::Duplicate { at, .. }
            | Edit::Flip { at, .. }
            | Edit::Truncate { at } => position(*at, bytes.len()),
        };
        match edit {
            Edit::Delete { len, .. } => {
                bytes.drain(at..(at + len).min(bytes.len()));
            }
            Edit::Insert { text, .. } => {
                bytes.splice(at..at, text.bytes());
            }
            Edit::Duplicate { len, .. } => {
                let copy = bytes[at..(at + len).min(bytes.len())].to_vec();
                bytes.splice(at..at, copy);
            }
            Edit::Flip { byte, .. } => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= byte | 1;
                }
            }
            Edit::Truncate { .. } => bytes.truncate(at),
        }
    }
    bytes
}

/// Applies edits at character boundaries, so the text stays UTF-8 and reaches the parser.
fn edit_text(original: &str, edits: &[Edit]) -> String {
    let mut text = original.to_owned();
    for edit in edits {
        let boundary = |text: &str, at: usize| {
            let mut at = if text.is_empty() { 0 } else { at % (text.len() + 1) };
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        match edit {
            Edit::Delete { at, len } | Edit::Duplicate { at, len } => {
                let start = boundary(&text, *at);
                let end = boundary(&text, start.saturating_add(*len).min(text.len()));
                if matches!(edit, Edit::Delete { .. }) {
                    text.replace_range(start..end, "");
                } else {
                    let copy = text[start..end].to_owned();
                    text.insert_str(start, &copy);
                }
            }
            Edit::Insert { at, text: insert } => {
                let at = boundary(&text, *at);
                text.insert_str(at, insert);
            }
            Edit::Flip { at, byte } => {
                let at = boundary(&text, *at);
                if let Some(c) = text[at..].chars().next() {
                    let flipped = char::from_u32(c as u32 ^ u32::from(byte | 1)).unwrap_or('\u{fffd}');
                    text.replace_range(at..at + c.len_utf8(), flipped.encode_utf8(&mut [0; 4]));
                }
            }
            Edit::Truncate { at } => {
                let at = boundary(&text, *at);
                text.truncate(at);
            }
        }
    }
    text
}

fn section() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        1 => proptest::sample::select(&["Tiltak", "Oversikt over planens foreslåtte tiltak", "Mål", "İ", ""][..])
            .prop_map(|s| Some(s.to_owned())),
        1 => any::<String>().prop_map(Some),
    ]
}

const FORMATS: [Format; 5] = [Format::Text, Format::Csv, Format::Xlsx, Format::Json, Format::Docx];

/// Reads the input in the format; the answer itself does not matter, only that there is one.
fn read(format: Format, bytes: &[u8], section: Option<&str>) {
    let _ = import::read(format, bytes, section);
}

/// A cell of a generated spreadsheet: header names, values of every column's kind, and noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => proptest::sample::select(
            &[
                "tiltak", "tittel", "kapittel", "kapitteltittel", "beskrivelse", "ansvarlig", "frist", "status",
                "forebyggingsnivå", "gjentakelse", "stikkord", "number", "title", "chapter", "13.6", "7", "0", "0.0",
                "4294967296", "-3", "1.", ".5", "31.12.2026", "2026-12-31", "Pågår", "IN_PROGRESS", "selective",
                "annual", "a; b;;", "",
            ][..]
        )
        .prop_map(str::to_owned),
        1 => insertion(),
    ]
}

fn grid() -> impl Strategy<Value = Vec<Vec<String>>> {
    vec(vec(cell(), 0..12), 0..10)
}

/// The grid as a workbook, each cell a string, or a number when it reads as one.
fn workbook(grid: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in grid.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match value.parse::<f64>() {
                Ok(number) if number.is_finite() => sheet.write_number(r, c, number).map(drop),
                _ => sheet.write_string(r, c, value).map(drop),
            }
            .unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// A workbook with the text of its XML parts edited and packed again: the zip is sound, so the
/// broken XML reaches the spreadsheet reader.
fn with_edited_xml(base: &[u8], part_edits: &[(usize, Vec<Edit>)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(base)).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let parts = archive.len();
    for index in 0..parts {
        let mut file = archive.by_index(index).unwrap();
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut file, &mut xml).unwrap();
        for (part, edits) in part_edits {
            if part % parts == index {
                xml = edit_text(&xml, edits);
            }
        }
        drop(file);
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(xml.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A small valid export in JSON, as `tiltak export --format json` writes it.
fn json_export() -> String {
    let document = import::read(Format::Csv, CSV_DOCS[0].as_bytes(), None).unwrap();
    serde_json::to_string_pretty(&document).unwrap()
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        cell().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            proptest::sample::select(
                &[
                    "chapters",
                    "actions",
                    "number",
                    "title",
                    "description",
                    "status",
                    "deadline",
                    "tags",
                    "recurrence",
                    "prevention_level",
                    "responsible_unit",
                    "decision_ref"
                ][..]
            )
            .prop_map(str::to_owned),
            any::<String>(),
        ];
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A number as a plan might hold it, or as a hostile file would.
fn action_number() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0..30u64,
        1 => Just(u64::from(u32::MAX)),
        1 => any::<u32>().prop_map(u64::from),
        1 => any::<u64>(),
    ]
}

/// Usually a value the field accepts (or none), sometimes anything.
fn field(valid: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        6 => proptest::sample::select(valid).prop_map(|s| Some(s.to_owned())),
        1 => cell().prop_map(Some),
    ]
}

const DEADLINES: &[&str] = &["2026-12-31", "2024-02-29"];
const STATUSES: &[&str] = &["NOT_STARTED", "IN_PROGRESS", "DELAYED", "COMPLETED"];
const LEVELS: &[&str] = &["UNIVERSAL", "SELECTIVE", "INDICATED"];

/// Rows of a well-formed CSV plan whose action numbers and fields are random.
fn csv_plan() -> impl Strategy<Value = String> {
    vec(
        (action_number(), action_number(), field(DEADLINES), field(STATUSES)),
        1..12,
    )
    .prop_map(|rows| {
        let mut csv = String::from("tiltak,tittel,frist,status\n");
        for (chapter, number, deadline, status) in rows {
            let (deadline, status) = (deadline.unwrap_or_default(), status.unwrap_or_default());
            csv.push_str(&format!("{chapter}.{number},Tittel,\"{deadline}\",\"{status}\"\n"));
        }
        csv
    })
}

/// A JSON export of the right shape whose numbers and codes are random.
fn json_plan() -> impl Strategy<Value = String> {
    let action = (
        action_number(),
        cell(),
        field(DEADLINES),
        field(STATUSES),
        field(LEVELS),
    )
        .prop_map(|(number, title, deadline, status, level)| {
            serde_json::json!({
                "number": number, "title": title, "description": "", "deadline": deadline,
                "status": status, "prevention_level": level, "tags": [title],
            })
        });
    vec((action_number(), vec(action, 0..6)), 1..5).prop_map(|chapters| {
        let chapters: Vec<_> = chapters
            .into_iter()
            .map(|(number, actions)| serde_json::json!({ "number": number, "title": "K", "actions": actions }))
            .collect();
        serde_json::json!({ "title": "P", "chapters": chapters }).to_string()
    })
}

/// Text for the guard: digits of every width with every separator, invisible characters,
/// and anything else Unicode holds.
fn guard_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::char::range('0', '9').prop_map(String::from),
        2 => proptest::sample::select(
            &[" ", "  ", ".", "-", "/", "\n", "\r\n", "\u{a0}", "\u{200b}", "\u{200d}", "\u{2060}", "\u{feff}",
              "\u{ad}", "\u{2013}", "\u{2212}", "\u{3000}", "\t"][..]
        )
        .prop_map(str::to_owned),
        1 => proptest::char::range('\u{ff10}', '\u{ff19}').prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
        1 => any::<String>(),
    ];
    vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// Runs one batch of generated inputs, noting the input being tried.
type Batch = Box<dyn Fn(&mut TestRunner, &Mutex<String>) -> Result<(), String>>;

/// One kind of input and the calls it is fed to.
struct Target {
    batch: Batch,
}

fn target<S>(name: &'static str, strategy: S, call: impl Fn(&S::Value) + 'static) -> Target
where
    S: Strategy + 'static,
    S::Value: Debug,
{
    Target {
        batch: Box::new(move |runner, last| {
            runner
                .run(&strategy, |value| {
                    // Kept for the watchdog's message, should a call not return.
                    *last.lock().unwrap_or_else(|e| e.into_inner()) =
                        format!("{name}: {value:?}").chars().take(4_000).collect();
                    call(&value);
                    Ok(())
                })
                .map_err(|e| match e {
                    TestError::Fail(reason, value) => format!("{name} failed ({reason}) on {value:?}"),
                    TestError::Abort(reason) => format!("{name} aborted: {reason}"),
                })
        }),
    }
}

fn targets() -> Vec<Target> {
    let plan = REAL_PLAN.to_owned();
    let plan_bytes = REAL_PLAN.as_bytes().to_vec();
    let small_xlsx = workbook(&[
        vec![
            "Kapittel".into(),
            "Tiltak".into(),
            "Tittel".into(),
            "Frist".into(),
            "Status".into(),
        ],
        vec![
            "7".into(),
            "7.1".into(),
            "Felles kompetanseplan".into(),
            "2026-03-01".into(),
            "Pågår".into(),
        ],
        vec!["7".into(), "7.2".into(), "Taushetsplikt".into(), "".into(), "".into()],
    ]);
    let small_xlsx_bytes = small_xlsx.clone();
    let export = json_export();
    vec![
        target(
            "the plan text, edited",
            (edits(), section()),
            move |(edits, section)| {
                let text = edit_text(&plan, edits);
                for format in FORMATS {
                    read(format, text.as_bytes(), section.as_deref());
                }
            },
        ),
        target(
            "the plan's bytes, edited",
            (edits(), section()),
            move |(edits, section)| {
                read(Format::Text, &edit_bytes(&plan_bytes, edits), section.as_deref());
            },
        ),
        target(
            "CSV documents, edited",
            (proptest::sample::select(CSV_DOCS), edits()),
            |(doc, edits)| {
                read(Format::Csv, edit_text(doc, edits).as_bytes(), None);
                read(Format::Csv, &edit_bytes(doc.as_bytes(), edits), None);
            },
        ),
        target(
            "generated spreadsheets, as CSV and XLSX",
            (grid(), any::<bool>()),
            |(grid, semicolons)| {
                let delimiter = if *semicolons { ";" } else { "," };
                let csv: String = grid.iter().map(|row| row.join(delimiter) + "\n").collect();
                read(Format::Csv, csv.as_bytes(), None);
                read(Format::Xlsx, &workbook(grid), None);
            },
        ),
        target(
            "an XLSX workbook, its XML edited",
            vec((any::<usize>(), edits()), 1..4),
            move |part_edits| read(Format::Xlsx, &with_edited_xml(&small_xlsx, part_edits), None),
        ),
        target("an XLSX workbook, its bytes edited", edits(), move |edits| {
            read(Format::Xlsx, &edit_bytes(&small_xlsx_bytes, edits), None);
        }),
        target(
            "the plan as DOCX, its XML edited",
            vec((any::<usize>(), edits()), 1..4),
            move |part_edits| read(Format::Docx, &with_edited_xml(PLAN_DOCX, part_edits), None),
        ),
        target("the plan as DOCX, its bytes edited", edits(), move |edits| {
            read(Format::Docx, &edit_bytes(PLAN_DOCX, edits), None);
        }),
        target("a JSON export, edited", edits(), move |edits| {
            read(Format::Json, edit_text(&export, edits).as_bytes(), None);
        }),
        target("generated CSV plans", csv_plan(), |csv| {
            read(Format::Csv, csv.as_bytes(), None)
        }),
        target("generated JSON plans", json_plan(), |json| {
            read(Format::Json, json.as_bytes(), None)
        }),
        target("generated JSON", json_value(), |value| {
            read(Format::Json, value.to_string().as_bytes(), None);
        }),
        target(
            "random bytes in every format",
            (vec(any::<u8>(), 0..2_000), section()),
            |(bytes, section)| {
                for format in FORMATS {
                    read(format, bytes, section.as_deref());
                }
            },
        ),
        target(
            "the free-text guard",
            (guard_text(), 0..3_000usize, any::<i32>()),
            |(text, max, progress)| {
                if let Ok(Some(kept)) = optional_text("comment", Some(text), *max) {
                    assert_eq!(kept, kept.trim(), "kept text is trimmed");
                    assert!(kept.chars().count() <= *max, "kept text is within the limit");
                }
                let _ = required_text("title", text, *max);
                let _ = validate_email("email", text);
                let _ = validate_progress("progress", *progress);
            },
        ),
    ]
}

/// Found by the fuzzer (seed 8196953985234895447): a cell reference with more letters than a
/// column can have made calamine 0.38 overflow and panic. It is refused as a damaged workbook.
#[test]
fn a_cell_reference_too_long_is_a_damaged_workbook() {
    let base = workbook(&[vec!["tiltak".into(), "tittel".into()], vec!["1.1".into(), "A".into()]]);
    let mut archive = zip::ZipArchive::new(Cursor::new(&base[..])).unwrap();
    let sheet = (0..archive.len())
        .find(|&i| {
            archive
                .by_index(i)
                .unwrap()
                .name()
                .is_ok_and(|n| n.starts_with("xl/worksheets/"))
        })
        .unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_index(sheet).unwrap(), &mut xml).unwrap();
    let at = xml.find("r=\"A1\"").expect("the first cell");
    let edits = vec![Edit::Insert {
        at: at + 3,
        text: "ZZZZZZZZZZZZZZZZ".into(),
    }];
    let damaged = with_edited_xml(&base, &[(sheet, edits)]);
    let error = import::read(Format::Xlsx, &damaged, None).unwrap_err();
    assert!(error.0.contains("damaged"), "{error}");
}

/// Runs every target in turn, a batch of cases at a time, until the time is up (at least one
/// batch each). A watchdog fails the test, naming the input, if a call does not return.
#[test]
fn importers_and_the_guard_survive_random_and_mutated_input() {
    let seconds = fuzz_seconds();
    let seed: u64 = std::env::var("TILTAK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand_seed);
    eprintln!("fuzzing importers for {seconds} s; repeat with TILTAK_FUZZ_SEED={seed}");
    let last = Arc::new(Mutex::new(String::new()));
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn({
        let last = last.clone();
        move || {
            let targets = targets();
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut batches = 0u64;
            let mut cases = 0u64;
            while batches < targets.len() as u64 || Instant::now() < deadline {
                let target = &targets[(batches % targets.len() as u64) as usize];
                let mut rng_seed = [0u8; 32];
                rng_seed[..8].copy_from_slice(&seed.to_le_bytes());
                rng_seed[8..16].copy_from_slice(&batches.to_le_bytes());
                let config = Config {
                    cases: 16,
                    failure_persistence: None,
                    max_shrink_iters: 2_000,
                    ..Config::default()
                };
                let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed));
                if let Err(failure) = (target.batch)(&mut runner, &last) {
                    panic!("{failure}\n(seed {seed}, batch {batches})");
                }
                batches += 1;
                cases += 16;
            }
            let _ = done.send((batches, cases));
        }
    });
    // Generous: a call that has not returned a minute after the time is up never will.
    match finished.recv_timeout(Duration::from_secs(seconds + 60)) {
        Ok((batches, cases)) => eprintln!("{batches} batches, {cases} cases, no panic"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!(
                "a call did not return; last input {}",
                last.lock().unwrap_or_else(|e| e.into_inner())
            )
        }
    }
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}
