//! PDF documents as text for the text importer, extracted by poppler's `pdftotext` in its
//! reading-order mode (see README, "Bringing your own plan in", for why that tool and mode).
//!
//! The PDF is piped through the program with a time limit and a cap on the text it may return;
//! the program runs as its own process, so a PDF that upsets it cannot take the service down.

use std::{
    io::{Read, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use super::ReadError;

/// The program, looked up on `PATH`.
pub const PDFTOTEXT: &str = "pdftotext";
/// How long one extraction may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// At most this much text is taken from one PDF.
const MAX_TEXT_BYTES: u64 = 20 * 1024 * 1024;
/// Fewer letters and digits than this on every page: the PDF holds pictures of pages.
const MIN_LETTERS: usize = 20;

/// The text of a PDF, page breaks as form feeds.
pub fn pdf_text(bytes: &[u8]) -> Result<String, ReadError> {
    pdf_text_with(PDFTOTEXT, bytes)
}

pub(crate) fn pdf_text_with(program: &str, bytes: &[u8]) -> Result<String, ReadError> {
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(ReadError::content("not a PDF file (it does not start with %PDF-)"));
    }
    let mut child = Command::new(program)
        .args(["-raw", "-enc", "UTF-8", "-q", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::content(
                "PDF-filer kan ikke leses på denne serveren: programmet pdftotext (pakken poppler-utils) \
                 er ikke installert. Be driftsansvarlig installere poppler-utils, eller last opp planen \
                 som Word-dokument (.docx) eller tekst.",
            ),
            _ => ReadError::content(format!("pdftotext cannot be started: {e}")),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = bytes.to_vec();
    // Written from a thread: a large PDF would otherwise fill the pipe while nobody reads.
    let writer = std::thread::spawn(move || {
        // pdftotext may stop reading a broken file early; that is its answer, not ours.
        let _ = stdin.write_all(&input);
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.take(MAX_TEXT_BYTES + 1).read_to_end(&mut text);
        text
    });
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ReadError::content(format!(
                    "the PDF took more than {} seconds to read; upload the plan as a Word document or text",
                    TIME_LIMIT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(ReadError::content(format!("pdftotext failed: {e}"))),
        }
    };
    let _ = writer.join();
    let text = reader.join().unwrap_or_default();
    if !status.success() {
        let mut message = String::new();
        let _ = (&mut stderr).take(4096).read_to_string(&mut message);
        let first = message.lines().next().unwrap_or("").trim();
        return Err(ReadError::content(format!(
            "the PDF cannot be read (damaged or protected){}",
            if first.is_empty() {
                String::new()
            } else {
                format!(": {first}")
            }
        )));
    }
    if text.len() as u64 > MAX_TEXT_BYTES {
        return Err(ReadError::content(format!(
            "the PDF holds more than {} MB of text; at most {} MB are read",
            MAX_TEXT_BYTES / 1024 / 1024,
            MAX_TEXT_BYTES / 1024 / 1024
        )));
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    if text.chars().filter(|c| c.is_alphanumeric()).count() < MIN_LETTERS {
        return Err(ReadError::content(
            "PDF-en har ingen tekst å lese, bare bilder av sidene (et skannet dokument?). Kjør \
             tekstgjenkjenning (OCR) på den først, eller last opp planen som Word-dokument (.docx) \
             eller tekst.",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF whose page has no text, as a scanner without OCR writes one (here the
    /// page is empty; a scan's page is a picture, which has no text either).
    const SCANNED: &[u8] = b"%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
%%EOF
";

    fn installed() -> bool {
        Command::new(PDFTOTEXT).arg("-v").output().is_ok()
    }

    #[test]
    fn the_real_plan_as_pdf_gives_the_same_56_actions_as_its_text() {
        if !installed() {
            assert!(std::env::var_os("CI").is_none(), "CI installs poppler-utils (.ci/run)");
            return;
        }
        let pdf = include_bytes!("../../tests/data/forebyggende-plan.pdf");
        let text = include_str!("../../tests/data/forebyggende-plan.txt");
        let from_pdf = crate::import::read(crate::import::Format::Pdf, pdf, None).unwrap();
        let from_text = crate::import::read(crate::import::Format::Text, text.as_bytes(), None).unwrap();
        let numbers: Vec<String> = from_pdf
            .chapters
            .iter()
            .flat_map(|c| c.actions.iter().map(move |a| format!("{}.{}", c.number, a.number)))
            .collect();
        assert_eq!(
            (numbers.len(), numbers[0].as_str(), numbers[55].as_str()),
            (56, "7.1", "17.17")
        );
        for (pdf, text) in from_pdf.chapters.iter().zip(&from_text.chapters) {
            assert_eq!((pdf.number, &pdf.title), (text.number, &text.title));
            let titles = |c: &crate::import::ChapterDocument| -> Vec<(u32, String, String)> {
                c.actions
                    .iter()
                    .map(|a| (a.number, a.title.clone(), a.description.clone()))
                    .collect()
            };
            assert_eq!(titles(pdf), titles(text));
        }
    }

    #[test]
    fn a_scanned_pdf_gets_a_clear_message_and_other_failures_too() {
        if !installed() {
            assert!(std::env::var_os("CI").is_none(), "CI installs poppler-utils (.ci/run)");
            return;
        }
        let err = pdf_text(SCANNED).unwrap_err();
        assert!(err.0.starts_with("PDF-en har ingen tekst å lese"), "{err}");
        let err = pdf_text(b"%PDF-1.7\n\x00\x01 broken").unwrap_err();
        assert!(
            err.0.starts_with("the PDF cannot be read") || err.0.starts_with("PDF-en har ingen tekst"),
            "{err}"
        );
        assert!(pdf_text(b"not a pdf").unwrap_err().0.starts_with("not a PDF file"));
    }

    #[test]
    fn without_pdftotext_the_message_says_what_to_install() {
        let err = pdf_text_with("pdftotext-that-is-not-installed", SCANNED).unwrap_err();
        assert!(err.0.contains("poppler-utils"), "{err}");
        assert!(err.0.starts_with("PDF-filer kan ikke leses på denne serveren"), "{err}");
    }
}
