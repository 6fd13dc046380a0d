//! Reading plans from documents and spreadsheets, and writing them out again.
//!
//! Every format becomes one [`PlanDocument`]; `services::imports` applies a document to the
//! database. Nothing here touches the database.

pub mod docx;
pub mod limits;
pub mod numbering;
pub mod pdf;
pub mod table;
pub mod text;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::domain::{PreventionLevel, Recurrence, Status};
use numbering::Place;

/// A plan as read from a file: chapters with numbered actions, and what looked odd.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlanDocument {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub decision_ref: Option<String>,
    pub chapters: Vec<ChapterDocument>,
    #[serde(default, skip_serializing)]
    pub warnings: Vec<String>,
    /// The list that was read, when the document is text with several possible lists.
    #[serde(skip)]
    pub list: Option<ListSummary>,
    /// The document's other numbered lists, which were not read.
    #[serde(skip)]
    pub other_lists: Vec<ListSummary>,
}

/// One numbered list found in a document, so a person can see which was read and pick
/// another by its heading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListSummary {
    /// 1-based line where the list starts.
    pub line: usize,
    /// The heading or lead-in above it, if there is one.
    pub heading: Option<String>,
    /// Its first line, shortened.
    pub first_line: String,
    pub actions: usize,
    /// It looks like a table of contents (page numbers, items that come back as headings).
    pub contents: bool,
}

impl std::fmt::Display for ListSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(heading) = &self.heading {
            write!(f, " under \"{heading}\"")?;
        }
        let noun = if self.actions == 1 { "item" } else { "items" };
        write!(f, ": {} {noun}, starting \"{}\"", self.actions, self.first_line)?;
        if self.contents {
            write!(f, " (looks like a table of contents)")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterDocument {
    /// 0 for a plan without chapters.
    pub number: u32,
    pub title: String,
    pub actions: Vec<ActionDocument>,
}

/// One action. Fields a format does not carry are `None` and leave the stored value alone
/// on re-import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionDocument {
    pub number: u32,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub responsible_unit: Option<String>,
    #[serde(default)]
    pub deadline: Option<chrono::NaiveDate>,
    #[serde(default, with = "code_opt")]
    pub status: Option<Status>,
    #[serde(default, with = "code_opt")]
    pub prevention_level: Option<PreventionLevel>,
    #[serde(default, with = "code_opt")]
    pub recurrence: Option<Recurrence>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub decision_ref: Option<String>,
    /// Where the action starts in the source, for messages (1-based line or row).
    #[serde(skip)]
    pub line: usize,
}

/// The file formats `tiltak import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Xlsx,
    Json,
    /// A Word document, read as text (see [`docx`]).
    Docx,
    /// A PDF, its text extracted by `pdftotext` (see [`pdf`]).
    Pdf,
}

impl Format {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "json" => Ok(Format::Json),
            "docx" => Ok(Format::Docx),
            "pdf" => Ok(Format::Pdf),
            other => Err(format!(
                "unknown format {other:?}: use text, docx, pdf, csv, xlsx or json"
            )),
        }
    }

    /// Guessed from a file name's extension; `.txt` and anything unknown is text.
    pub fn from_path(path: &std::path::Path) -> Self {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        Format::parse(ext).unwrap_or(Format::Text)
    }
}

/// Why a file cannot be read as a plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String, pub &'static str);

impl ReadError {
    /// The file's content cannot be read as a plan.
    pub fn content(message: impl Into<String>) -> Self {
        ReadError(message.into(), "content")
    }

    /// The input field the error is about: `content` or `section`.
    pub fn field(&self) -> &'static str {
        self.1
    }
}

/// Reads a plan from bytes in the given format, within [`limits::LIMITS`]. `section` chooses
/// the heading of the list to read in a text document.
///
/// CPU-bound: an async caller runs it on the blocking pool (see `services::imports::read`).
pub fn read(format: Format, bytes: &[u8], section: Option<&str>) -> Result<PlanDocument, ReadError> {
    read_within(format, bytes, section, &limits::LIMITS)
}

fn read_within(
    format: Format,
    bytes: &[u8],
    section: Option<&str>,
    limits: &limits::Limits,
) -> Result<PlanDocument, ReadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::content("the file is empty"));
    }
    let as_text = || {
        std::str::from_utf8(bytes).map_err(|_| {
            ReadError::content("the file is not UTF-8 text (Word and PDF documents are read as .docx and .pdf)")
        })
    };
    let document = match format {
        Format::Text => read_text(as_text()?, section)?,
        Format::Docx => {
            let text = guarded("the Word document", || docx::docx_text(bytes, limits))?;
            read_text(&text, section)?
        }
        Format::Pdf => {
            let text = guarded("the PDF", || pdf::pdf_text(bytes))?;
            read_text(&text, section)?
        }
        Format::Csv => checked(table::read_csv(bytes)?, Place::Row),
        // calamine 0.38 panics on some damaged sheets (a cell reference too long for its column
        // arithmetic overflows; found by the fuzzer).
        Format::Xlsx => checked(guarded("the workbook", || table::read_xlsx(bytes, limits))?, Place::Row),
        Format::Json => {
            let document: PlanDocument = serde_json::from_str(as_text()?)
                .map_err(|e| ReadError::content(format!("not a tiltak JSON export: {e}")))?;
            if document.chapters.iter().all(|c| c.actions.is_empty()) {
                return Err(ReadError::content("the file holds no actions"));
            }
            checked(document, Place::None)
        }
    };
    let actions: usize = document.chapters.iter().map(|c| c.actions.len()).sum();
    if actions > limits.max_actions {
        return Err(ReadError::content(format!(
            "the file holds {actions} actions; at most {} are allowed in one import",
            limits.max_actions
        )));
    }
    Ok(document)
}

/// Text, also as read from a Word or PDF document, through the text parser.
fn read_text(text: &str, section: Option<&str>) -> Result<PlanDocument, ReadError> {
    let parsed = text::parse_plan_text(text, section).map_err(|e| match e {
        text::ParseError::SectionNotFound(_) => ReadError(e.to_string(), "section"),
        other => ReadError::content(other.to_string()),
    })?;
    Ok(checked(from_text(parsed), Place::Line))
}

/// Runs a reader of a binary format so that a panic in it (a third-party parser meeting
/// input it did not expect) is a refused file, not a crashed request.
fn guarded<T>(what: &str, read: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(ReadError::content(format!(
            "{what} cannot be read: it is damaged or in a form tiltak does not know"
        )))
    })
}

fn checked(mut document: PlanDocument, place: Place) -> PlanDocument {
    numbering::check(&mut document, place);
    document
}

fn from_text(parsed: text::ParsedPlan) -> PlanDocument {
    let chapters = parsed
        .chapters
        .into_iter()
        .map(|chapter| ChapterDocument {
            number: chapter.number.unwrap_or(0),
            title: chapter.title,
            actions: chapter
                .actions
                .into_iter()
                .map(|a| ActionDocument {
                    number: a.number,
                    title: a.title,
                    description: a.description,
                    responsible_unit: None,
                    deadline: None,
                    status: None,
                    prevention_level: None,
                    recurrence: Some(a.recurrence),
                    tags: None,
                    decision_ref: a.decision_ref,
                    line: a.line,
                })
                .collect(),
        })
        .collect();
    PlanDocument {
        title: None,
        decision_ref: None,
        chapters,
        warnings: parsed.warnings,
        list: parsed.list,
        other_lists: parsed.other_lists,
    }
}

/// Serializes an optional code enum (`Status`, `Recurrence`, …) by its code.
mod code_opt {
    use std::{fmt::Display, str::FromStr};

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Display, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.serialize_str(&v.to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr<Err = String>,
        D: Deserializer<'de>,
    {
        Option::<String>::deserialize(deserializer)?
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheets_get_gap_and_repeat_warnings() {
        let csv = "tiltak,tittel\n13.4,A\n13.6,B\n13.6,C\n";
        let document = read(Format::Csv, csv.as_bytes(), None).unwrap();
        assert_eq!(document.chapters[0].actions.len(), 2);
        assert_eq!(document.chapters[0].actions[1].title, "B");
        assert_eq!(
            document.warnings,
            [
                "row 4: 13.6 is repeated (first on row 3); the later one is skipped",
                "row 2: 13.1 to 13.3 are missing (the list starts at 13.4)",
                "row 3: 13.5 is missing (13.4 is followed by 13.6)"
            ]
        );
    }

    const SMALL: limits::Limits = limits::Limits {
        max_cells: 20,
        max_actions: 2,
        ..limits::LIMITS
    };

    #[test]
    fn a_wide_gap_is_one_warning() {
        let csv = "tiltak,tittel\n2.1,A\n2.4,B\n2.4000000000,C\n";
        let document = read(Format::Csv, csv.as_bytes(), None).unwrap();
        assert_eq!(
            document.warnings,
            [
                "row 3: 2.2 to 2.3 are missing (2.1 is followed by 2.4)",
                "row 4: 2.5 to 2.3999999999 are missing (2.4 is followed by 2.4000000000)"
            ]
        );
    }

    #[test]
    fn a_document_with_too_many_actions_is_refused() {
        let csv = b"tiltak,tittel\n1,A\n2,B\n3,C\n";
        let err = read_within(Format::Csv, csv, None, &SMALL).unwrap_err();
        assert_eq!(err.0, "the file holds 3 actions; at most 2 are allowed in one import");
        assert!(read_within(Format::Csv, b"tiltak,tittel\n1,A\n2,B\n", None, &SMALL).is_ok());
    }

    #[test]
    fn a_sheet_with_too_many_cells_is_refused_while_it_is_read() {
        let sheet = |rows: u32| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.write_string(0, 0, "tiltak").unwrap();
            sheet.write_string(0, 1, "tittel").unwrap();
            for row in 1..rows {
                sheet.write_string(row, 0, row.to_string()).unwrap();
                sheet.write_string(row, 1, "Tittel").unwrap();
            }
            workbook.save_to_buffer().unwrap()
        };
        let read = |bytes: &[u8]| {
            read_within(
                Format::Xlsx,
                bytes,
                None,
                &limits::Limits {
                    max_actions: 100,
                    ..SMALL
                },
            )
        };
        assert_eq!(read(&sheet(10)).unwrap().chapters[0].actions.len(), 9);
        let err = read(&sheet(11)).unwrap_err();
        assert!(err.0.contains("more than 20 cells"), "{err}");
    }

    #[test]
    fn two_cells_far_apart_are_refused_not_allocated() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "tiltak").unwrap();
        sheet.write_string(1_048_575, 16_383, "far away").unwrap();
        let err = read(Format::Xlsx, &workbook.save_to_buffer().unwrap(), None).unwrap_err();
        assert!(err.0.contains("more than 200000 cells (rows 1 to 1048576)"), "{err}");
    }
}
