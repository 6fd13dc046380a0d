//! One numbering check for every format: gaps ("13.5 is missing"), repeats (the later one is
//! dropped), numbers out of order and chapters out of sequence, in the same words whether the
//! plan came from a text, a Word or PDF document, a spreadsheet or a JSON export.

use std::collections::{BTreeSet, HashMap};

use super::PlanDocument;
use crate::domain::ActionNumber;

/// What an action's `line` counts in the source, for the start of each warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A line of a document.
    Line,
    /// A row of a spreadsheet.
    Row,
    /// No position (a JSON export).
    None,
}

impl Place {
    fn at(self, line: usize) -> String {
        match self {
            Place::Line if line > 0 => format!("line {line}: "),
            Place::Row if line > 0 => format!("row {line}: "),
            _ => String::new(),
        }
    }
}

/// Checks every chapter's numbering in document order, warns about what looks wrong and drops
/// repeated numbers, keeping the first.
pub fn check(document: &mut PlanDocument, place: Place) {
    let mut warnings = Vec::new();
    let mut previous_chapter: Option<u32> = None;
    let mut chapters_seen = BTreeSet::new();
    for chapter in &mut document.chapters {
        let line = chapter.actions.first().map_or(0, |a| a.line);
        if chapter.number != 0 {
            if !chapters_seen.insert(chapter.number) {
                warnings.push(format!("{}chapter {} is repeated", place.at(line), chapter.number));
            } else if let Some(previous) = previous_chapter
                && previous.checked_add(1) != Some(chapter.number)
            {
                warnings.push(format!(
                    "{}chapter {} follows chapter {previous}",
                    place.at(line),
                    chapter.number
                ));
            }
            previous_chapter = Some(chapter.number);
        }
        let label = |number: u32| ActionNumber::new(chapter.number, number);
        let mut first_line: HashMap<u32, usize> = HashMap::new();
        let mut highest = 0;
        chapter.actions.retain(|action| {
            if let Some(first) = first_line.get(&action.number) {
                let first = match place.at(*first) {
                    at if at.is_empty() => String::new(),
                    at => format!(" (first on {})", at.trim_end_matches([':', ' '])),
                };
                warnings.push(format!(
                    "{}{} is repeated{first}; the later one is skipped",
                    place.at(action.line),
                    label(action.number)
                ));
                return false;
            }
            first_line.insert(action.number, action.line);
            if action.number < highest {
                warnings.push(format!(
                    "{}{} is out of order (after {})",
                    place.at(action.line),
                    label(action.number),
                    label(highest)
                ));
            }
            highest = highest.max(action.number);
            true
        });
        // Gaps over the numbers in order, one warning per gap however wide: a file numbering
        // 1 and 4000000000 must not become four billion warnings.
        let numbers: BTreeSet<u32> = first_line.keys().copied().collect();
        let mut before = 0;
        for &number in &numbers {
            if number > before + 1 {
                let (first, last) = (label(before + 1), label(number - 1));
                let missing = if first == last {
                    format!("{first} is missing")
                } else {
                    format!("{first} to {last} are missing")
                };
                let context = if before == 0 {
                    format!("the list starts at {}", label(number))
                } else {
                    format!("{} is followed by {}", label(before), label(number))
                };
                warnings.push(format!("{}{missing} ({context})", place.at(first_line[&number])));
            }
            before = number;
        }
    }
    document.warnings.extend(warnings);
}

#[cfg(test)]
mod tests {
    use crate::import::{Format, read};

    #[test]
    fn text_and_spreadsheets_get_the_same_words() {
        let text = "Kap 13: Test\n4. Fire.\n6. Seks.\n6. Seks igjen.\n";
        let csv = "tiltak,tittel\n13.4,Fire\n13.6,Seks\n13.6,Seks igjen\n";
        let from_text = read(Format::Text, text.as_bytes(), None).unwrap();
        let from_csv = read(Format::Csv, csv.as_bytes(), None).unwrap();
        assert_eq!(
            from_text.warnings,
            [
                "line 4: 13.6 is repeated (first on line 3); the later one is skipped",
                "line 2: 13.1 to 13.3 are missing (the list starts at 13.4)",
                "line 3: 13.5 is missing (13.4 is followed by 13.6)",
            ]
        );
        let rows: Vec<String> = from_text.warnings.iter().map(|w| w.replace("line", "row")).collect();
        assert_eq!(from_csv.warnings, rows);
        assert_eq!(from_text.chapters[0].actions.len(), 2);
        assert_eq!(from_csv.chapters[0].actions[1].title, "Seks");
    }

    /// Found by the fuzzer: a chapter after the highest number a chapter can have overflowed.
    #[test]
    fn a_chapter_after_the_largest_number() {
        let csv = "tiltak,tittel\n4294967295.1,A\n1.1,B\n";
        let document = read(Format::Csv, csv.as_bytes(), None).unwrap();
        assert_eq!(document.warnings, ["row 3: chapter 1 follows chapter 4294967295"]);
    }

    #[test]
    fn order_and_chapters() {
        let text = "Kap 1: A\n1. En.\n3. Tre.\n2. To.\nKap 3: B\n1. En.\nKap 1: A igjen\n1. En.\n";
        let document = read(Format::Text, text.as_bytes(), None).unwrap();
        assert_eq!(
            document.warnings,
            [
                "line 4: 1.2 is out of order (after 1.3)",
                "line 6: chapter 3 follows chapter 1",
                "line 8: chapter 1 is repeated",
            ]
        );
    }

    #[test]
    fn json_has_no_places() {
        let json = r#"{"chapters":[{"number":0,"title":"","actions":[
            {"number":2,"title":"B","description":""},{"number":2,"title":"C","description":""}]}]}"#;
        let document = read(Format::Json, json.as_bytes(), None).unwrap();
        assert_eq!(
            document.warnings,
            [
                "2 is repeated; the later one is skipped",
                "1 is missing (the list starts at 2)"
            ]
        );
    }
}
