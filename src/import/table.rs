//! Plans kept as spreadsheets: CSV and XLSX with one row per action, and CSV export.
//!
//! Columns are found by their header, in Norwegian or English, in any order:
//!
//! | Norwegian header | English header | value |
//! |---|---|---|
//! | kapittel | chapter | chapter number (empty or 0: no chapters) |
//! | kapitteltittel | chapter_title | |
//! | tiltak | number | "6" or "13.6" |
//! | tittel | title | required |
//! | beskrivelse | description | |
//! | ansvarlig | responsible_unit | the unit's name |
//! | frist | deadline | 2026-12-31 or 31.12.2026 |
//! | status | status | a code (IN_PROGRESS) or its Norwegian name (Pågår) |
//! | forebyggingsnivå | prevention_level | UNIVERSAL, SELECTIVE or INDICATED |
//! | gjentakelse | recurrence | NONE, CONTINUOUS, ANNUAL, BIENNIAL or ON_DEMAND |
//! | stikkord | tags | separated by ";" |

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::{
    ActionDocument, ChapterDocument, PlanDocument, ReadError,
    limits::{self, CellBudget, Limits},
};
use crate::domain::{ActionNumber, Status};

/// Column headers as written on export: (Norwegian, English).
const COLUMNS: [(&str, &str); 11] = [
    ("kapittel", "chapter"),
    ("kapitteltittel", "chapter_title"),
    ("tiltak", "number"),
    ("tittel", "title"),
    ("beskrivelse", "description"),
    ("ansvarlig", "responsible_unit"),
    ("frist", "deadline"),
    ("status", "status"),
    ("forebyggingsnivå", "prevention_level"),
    ("gjentakelse", "recurrence"),
    ("stikkord", "tags"),
];

pub fn read_csv(bytes: &[u8]) -> Result<PlanDocument, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReadError::content("the CSV file is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Spreadsheets in Norway often save CSV with semicolons.
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::content(format!("row {}: not valid CSV: {e}", index + 1)))?;
        rows.push((index + 1, record.iter().map(str::to_owned).collect()));
    }
    from_rows(rows)
}

/// Reads the first sheet, after [`limits::check_zip`] has looked inside the zip. Cells are
/// read one by one and counted, so a sheet past the cell limit is refused before it is built.
pub fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<PlanDocument, ReadError> {
    limits::check_zip(bytes, limits)?;
    let mut workbook =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::content(format!("not an XLSX workbook: {e}")))?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| ReadError::content("the workbook has no sheets"))?;
    let cannot_read = |e: calamine::XlsxError| ReadError::content(format!("cannot read the first sheet: {e}"));
    let mut reader = workbook.worksheet_cells_reader(&first).map_err(cannot_read)?;
    let mut budget = CellBudget::new(limits);
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(cannot_read)? {
        let (row, column) = cell.get_position();
        budget.take(row, column)?;
        let text = cell_text(&cell.get_value().clone().into());
        if !text.is_empty() {
            cells.push((row, column, text));
        }
    }
    let Some((first_row, last_row, first_column, last_column)) = budget.span() else {
        return Err(ReadError::content("the file is empty"));
    };
    // The budget keeps this rectangle within the cell limit.
    let width = (last_column - first_column) as usize + 1;
    let mut rows: Vec<(usize, Vec<String>)> = (first_row..=last_row)
        .map(|row| (row as usize + 1, vec![String::new(); width]))
        .collect();
    for (row, column, text) in cells {
        rows[(row - first_row) as usize].1[(column - first_column) as usize] = text;
    }
    from_rows(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        // Excel counts days from 1899-12-30.
        Data::DateTime(dt) => NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(dt.as_f64() as u64)))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

fn header_key(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

/// Reads rows given with their 1-based row numbers (for messages).
fn from_rows(rows: Vec<(usize, Vec<String>)>) -> Result<PlanDocument, ReadError> {
    let mut rows = rows.into_iter().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let (_, header) = rows.next().ok_or_else(|| ReadError::content("the file is empty"))?;
    let columns: Vec<Option<usize>> = header
        .iter()
        .map(|h| {
            let key = header_key(h);
            COLUMNS.iter().position(|(no, en)| key == header_key(no) || key == *en)
        })
        .collect();
    for required in [2, 3] {
        if !columns.contains(&Some(required)) {
            let (no, en) = COLUMNS[required];
            return Err(ReadError::content(format!(
                "no column \"{no}\" (or \"{en}\") in the header row"
            )));
        }
    }

    let mut document = PlanDocument::default();
    for (line, row) in rows {
        let mut cells: [&str; 11] = [""; 11];
        for (position, value) in row.iter().enumerate() {
            if let Some(Some(column)) = columns.get(position) {
                cells[*column] = value.trim();
            }
        }
        let bad = |column: usize, message: String| {
            ReadError::content(format!("row {line}, column {}: {message}", COLUMNS[column].0))
        };
        let number: ActionNumber = cells[2].parse().map_err(|e: String| bad(2, e))?;
        let chapter_number = match cells[0] {
            "" => number.chapter,
            value => value
                .parse::<u32>()
                .map_err(|_| bad(0, format!("{value:?} is not a chapter number")))?,
        };
        if number.chapter != 0 && number.chapter != chapter_number {
            return Err(bad(
                2,
                format!("action {number} does not belong to chapter {chapter_number}"),
            ));
        }
        if cells[3].is_empty() {
            return Err(bad(3, "the title is empty".into()));
        }
        let action = ActionDocument {
            number: number.number,
            title: cells[3].to_owned(),
            description: cells[4].to_owned(),
            responsible_unit: (!cells[5].is_empty()).then(|| cells[5].to_owned()),
            deadline: match cells[6] {
                "" => None,
                value => {
                    Some(parse_date(value).ok_or_else(|| bad(6, format!("{value:?} is not a date like 2026-12-31")))?)
                }
            },
            status: match cells[7] {
                "" => None,
                value => Some(parse_status(value).ok_or_else(|| bad(7, format!("{value:?} is not a status")))?),
            },
            prevention_level: code(cells[8]).map_err(|e| bad(8, e))?,
            recurrence: code(cells[9]).map_err(|e| bad(9, e))?,
            tags: (!cells[10].is_empty()).then(|| {
                cells[10]
                    .split([';', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            decision_ref: None,
            line,
        };
        match document.chapters.iter_mut().find(|c| c.number == chapter_number) {
            Some(chapter) => chapter.actions.push(action),
            None => document.chapters.push(ChapterDocument {
                number: chapter_number,
                title: cells[1].to_owned(),
                actions: vec![action],
            }),
        }
    }
    if document.chapters.is_empty() {
        return Err(ReadError::content("the file has a header row but no actions"));
    }
    Ok(document)
}

fn code<T: std::str::FromStr<Err = String>>(value: &str) -> Result<Option<T>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    value.to_uppercase().replace([' ', '-'], "_").parse().map(Some)
}

fn parse_status(value: &str) -> Option<Status> {
    code::<Status>(value).ok().flatten().or_else(|| {
        Status::ALL
            .iter()
            .copied()
            .find(|s| s.label().to_lowercase() == value.to_lowercase())
    })
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d.%m.%Y"))
        .ok()
}

/// One exported row per action, with the Norwegian headers, in plan order.
/// Writes the plan as Norwegian Excel opens it: semicolons and a byte-order mark (Excel in a
/// Norwegian locale splits on ";" and reads the file as UTF-8 only with the mark), as the
/// report CSV does. [`read_csv`] accepts this and comma-separated files alike.
pub fn write_csv(document: &PlanDocument) -> String {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer
        .write_record(COLUMNS.iter().map(|(no, _)| *no))
        .expect("writing to memory");
    for chapter in &document.chapters {
        for action in &chapter.actions {
            let number = ActionNumber::new(chapter.number, action.number).to_string();
            let text = |value: Option<String>| value.unwrap_or_default();
            writer
                .write_record([
                    chapter.number.to_string(),
                    chapter.title.clone(),
                    number,
                    action.title.clone(),
                    action.description.clone(),
                    text(action.responsible_unit.clone()),
                    text(action.deadline.map(|d| d.to_string())),
                    text(action.status.map(|s| s.code().to_owned())),
                    text(action.prevention_level.map(|p| p.code().to_owned())),
                    text(action.recurrence.map(|r| r.code().to_owned())),
                    action.tags.as_deref().unwrap_or_default().join("; "),
                ])
                .expect("writing to memory");
        }
    }
    let csv = String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of strings is UTF-8");
    format!("\u{feff}{csv}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PreventionLevel, Recurrence};

    #[test]
    fn reads_norwegian_headers_semicolons_and_labels() {
        let csv = "Kapittel;Kapitteltittel;Tiltak;Tittel;Beskrivelse;Ansvarlig;Frist;Status;Forebyggingsnivå;Gjentakelse;Stikkord\n\
                   13;Atferd;13.10;Mentorordning;Mentorer for ungdom;SLT-koordinator;31.12.2026;Pågår;selective;annual;SLT, ungdom\n\
                   13;Atferd;13.9;Retningslinjer;;;;;;;\n";
        let document = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(document.chapters.len(), 1);
        let action = &document.chapters[0].actions[0];
        assert_eq!((action.number, action.title.as_str()), (10, "Mentorordning"));
        assert_eq!(action.deadline, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(action.status, Some(Status::InProgress));
        assert_eq!(action.prevention_level, Some(PreventionLevel::Selective));
        assert_eq!(action.recurrence, Some(Recurrence::Annual));
        assert_eq!(
            action.tags.as_deref(),
            Some(&["SLT".to_owned(), "ungdom".to_owned()][..])
        );
        assert_eq!(document.chapters[0].actions[1].status, None);
    }

    #[test]
    fn names_the_row_and_column_of_a_bad_value() {
        let csv = "tiltak,tittel,frist\n1.1,A,2026-01-01\n1.2,B,31/13/2026\n";
        let err = read_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(
            err.0,
            "row 3, column frist: \"31/13/2026\" is not a date like 2026-12-31"
        );
        let err = read_csv(b"title,description\nA,B\n").unwrap_err();
        assert!(err.0.contains("no column \"tiltak\""), "{err}");
        let err = read_csv(b"tiltak,tittel\n1.x,A\n").unwrap_err();
        assert!(err.0.starts_with("row 2, column tiltak"), "{err}");
    }

    #[test]
    fn export_reads_back_the_same() {
        let csv = "tiltak,tittel,beskrivelse,kapitteltittel,status\n7.1,\"Tittel, med komma\",\"Linje 1\nLinje 2\",Samarbeid,DELAYED\n";
        let document = read_csv(csv.as_bytes()).unwrap();
        let again = read_csv(write_csv(&document).as_bytes()).unwrap();
        assert_eq!(again.chapters, document.chapters);
    }
}
