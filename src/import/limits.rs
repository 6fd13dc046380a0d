//! What reading one file may cost. A small upload must not unpack to gigabytes, fill the memory
//! with spreadsheet cells or become thousands of database writes.
//!
//! The limits are constants rather than configuration: they are far above any real plan (the
//! example plan has 56 actions on one short sheet), and the request body limit
//! (`http.max_body_bytes`) is what operators tune.

use std::io::{Cursor, Read};

use super::ReadError;

/// Limits on one imported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes all files inside an XLSX zip may unpack to, as declared and as actually read.
    pub max_unpacked_bytes: u64,
    /// Files inside an XLSX zip.
    pub max_entries: usize,
    /// Highest unpacked:packed ratio of a file inside the zip that unpacks to more than
    /// `ratio_checked_above` bytes. Spreadsheet XML packs 5–20:1; a zip bomb packs 1000:1.
    pub max_ratio: u64,
    pub ratio_checked_above: u64,
    /// Cells of the sheet read: those present, and the rectangle they span (a sheet with one
    /// cell in A1 and one in XFD1048576 would otherwise become 17 billion cells in memory).
    pub max_cells: u64,
    /// Actions in one document, any format.
    pub max_actions: usize,
}

const MB: u64 = 1024 * 1024;

/// The limits every import is read under.
pub const LIMITS: Limits = Limits {
    max_unpacked_bytes: 50 * MB,
    max_entries: 2_000,
    max_ratio: 100,
    ratio_checked_above: MB,
    max_cells: 200_000,
    max_actions: 2_000,
};

/// Imports parsed at the same time; more wait their turn (and may meet the request timeout),
/// so uploads cannot take every core.
pub const MAX_PARALLEL_READS: usize = 2;

fn megabytes(bytes: u64) -> String {
    format!("{} MB", bytes.div_ceil(MB))
}

/// Looks inside an XLSX (a zip) before anything else opens it: the number of files, the
/// sizes they declare, their compression ratios, and then the bytes they really unpack to,
/// since a forged directory can declare anything.
pub fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    check_archive(bytes, limits, &XLSX)
}

/// What a zip-based format is called in messages.
pub struct ArchiveKind {
    /// "an XLSX workbook".
    pub a: &'static str,
    /// "workbook".
    pub noun: &'static str,
    /// "a spreadsheet".
    pub not_a_bomb: &'static str,
}

pub const XLSX: ArchiveKind = ArchiveKind {
    a: "an XLSX workbook",
    noun: "workbook",
    not_a_bomb: "a spreadsheet",
};

pub const DOCX: ArchiveKind = ArchiveKind {
    a: "a Word document (DOCX)",
    noun: "document",
    not_a_bomb: "a document",
};

/// [`check_zip`] for any zip-based format.
pub fn check_archive(bytes: &[u8], limits: &Limits, kind: &ArchiveKind) -> Result<(), ReadError> {
    let not_xlsx = |e: zip::result::ZipError| ReadError::content(format!("not {}: {e}", kind.a));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    if archive.len() > limits.max_entries {
        return Err(ReadError::content(format!(
            "the {} holds {} files; at most {} are allowed",
            kind.noun,
            archive.len(),
            limits.max_entries
        )));
    }
    let too_large = || {
        ReadError::content(format!(
            "the {} unpacks to more than {}; at most {} are allowed",
            kind.noun,
            megabytes(limits.max_unpacked_bytes),
            megabytes(limits.max_unpacked_bytes)
        ))
    };
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(not_xlsx)?;
        declared = declared.saturating_add(entry.size());
        if declared > limits.max_unpacked_bytes {
            return Err(too_large());
        }
        if entry.size() > limits.ratio_checked_above
            && entry.size() > entry.compressed_size().saturating_mul(limits.max_ratio)
        {
            return Err(ReadError::content(format!(
                "{} in the {} is packed more than {}:1; that is a zip bomb, not {}",
                String::from_utf8_lossy(entry.name_raw()),
                kind.noun,
                limits.max_ratio,
                kind.not_a_bomb
            )));
        }
    }
    // Unpack everything once, counting what comes out, and stop one byte past what the entry
    // declares or what is left of the budget.
    let mut left = limits.max_unpacked_bytes;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(not_xlsx)?;
        let declared = entry.size();
        let cap = declared.min(left);
        let read = std::io::copy(&mut (&mut entry).take(cap + 1), &mut std::io::sink())
            .map_err(|e| ReadError::content(format!("not {}: {e}", kind.a)))?;
        if read > declared {
            return Err(ReadError::content(format!(
                "{} in the {} unpacks to more than the {declared} bytes it declares",
                String::from_utf8_lossy(entry.name_raw()),
                kind.noun
            )));
        }
        if read > left {
            return Err(too_large());
        }
        left -= read;
    }
    Ok(())
}

/// Counts the cells of a sheet as they are read and the rectangle they span.
#[derive(Debug)]
pub struct CellBudget {
    max: u64,
    count: u64,
    /// (first row, last row, first column, last column) of the cells so far.
    span: Option<(u32, u32, u32, u32)>,
}

impl CellBudget {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max: limits.max_cells,
            count: 0,
            span: None,
        }
    }

    /// Takes one more cell at (row, column), 0-based.
    pub fn take(&mut self, row: u32, column: u32) -> Result<(), ReadError> {
        self.count += 1;
        let (r0, r1, c0, c1) = self.span.unwrap_or((row, row, column, column));
        let span = (r0.min(row), r1.max(row), c0.min(column), c1.max(column));
        self.span = Some(span);
        let area = (u64::from(span.1 - span.0) + 1) * (u64::from(span.3 - span.2) + 1);
        if self.count > self.max || area > self.max {
            return Err(ReadError::content(format!(
                "the first sheet has more than {} cells (rows {} to {}); at most {} are allowed",
                self.max,
                span.0 + 1,
                span.1 + 1,
                self.max
            )));
        }
        Ok(())
    }

    /// The rectangle of the cells taken: (first row, last row, first column, last column).
    pub fn span(&self) -> Option<(u32, u32, u32, u32)> {
        self.span
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    const SMALL: Limits = Limits {
        max_unpacked_bytes: 10_000,
        max_entries: 3,
        max_ratio: 10,
        ratio_checked_above: 1_000,
        max_cells: 6,
        max_actions: 2,
    };

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in files {
            writer.start_file(*name, SimpleFileOptions::default()).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// Bytes that deflate packs about 2:1.
    fn noise(len: usize) -> Vec<u8> {
        let mut state = 7u32;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b'a' + (state >> 16) as u8 % 16
            })
            .collect()
    }

    #[test]
    fn a_small_zip_passes() {
        let bytes = zip_of(&[("a.xml", &noise(2_000)), ("b.xml", &[b'x'; 900])]);
        assert_eq!(check_zip(&bytes, &SMALL), Ok(()));
    }

    #[test]
    fn too_many_files_too_much_or_packed_too_hard_are_refused() {
        let four = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3"), ("d", b"4")]);
        assert!(check_zip(&four, &SMALL).unwrap_err().0.contains("at most 3"));
        let large = zip_of(&[("a", &noise(6_000)), ("b", &noise(6_000))]);
        assert!(
            check_zip(&large, &SMALL)
                .unwrap_err()
                .0
                .contains("unpacks to more than")
        );
        let bomb = zip_of(&[("xl/worksheets/sheet1.xml", &[b'0'; 5_000])]);
        let err = check_zip(&bomb, &SMALL).unwrap_err().0;
        assert!(
            err.contains("xl/worksheets/sheet1.xml") && err.contains("10:1"),
            "{err}"
        );
        assert!(
            check_zip(b"not a zip", &SMALL)
                .unwrap_err()
                .0
                .starts_with("not an XLSX")
        );
    }

    /// A directory that declares less than the entry unpacks to is caught while reading.
    #[test]
    fn a_size_declared_too_small_is_caught_by_reading() {
        let mut bytes = zip_of(&[("a.xml", &noise(3_000))]);
        // Patch the uncompressed size (offset 24 of the central directory header, 22 of the
        // local header) down to 100 bytes.
        for (signature, offset) in [(&b"PK\x01\x02"[..], 24), (&b"PK\x03\x04"[..], 22)] {
            let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
            bytes[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
        }
        let err = check_zip(&bytes, &SMALL).unwrap_err().0;
        // Our count or the zip reader's own check ("larger than its declared uncompressed
        // size") refuses it; either way it is not read past the declared size.
        assert!(err.contains("declare"), "{err}");
    }

    #[test]
    fn cells_are_counted_and_their_span_too() {
        let mut budget = CellBudget::new(&SMALL);
        for column in 0..3 {
            budget.take(0, column).unwrap();
            budget.take(1, column).unwrap();
        }
        assert_eq!(budget.span(), Some((0, 1, 0, 2)));
        assert!(budget.take(1, 1).is_err(), "a seventh cell");
        let mut sparse = CellBudget::new(&SMALL);
        sparse.take(0, 0).unwrap();
        let err = sparse.take(1_048_575, 16_383).unwrap_err();
        assert!(err.0.contains("at most 6"), "{err}");
    }
}
