//! Word documents (DOCX) as text for the text importer: paragraphs in order, one a line, with
//! Word's own numbering written out as the document shows it ("Kap 7:", "1.", "7.1") and
//! bullets as "•", table rows as lines of their cells. The same parser then reads the text.
//!
//! Read with `zip` and `quick-xml` after [`limits::check_archive`] has looked inside the zip;
//! only `word/document.xml`, `word/numbering.xml` and `word/styles.xml` are opened.

use std::{
    collections::HashMap,
    io::{Cursor, Read},
};

use quick_xml::{Reader, events::Event};

use super::{
    ReadError,
    limits::{self, Limits},
};

/// The text of a DOCX file, one paragraph a line.
pub fn docx_text(bytes: &[u8], limits: &Limits) -> Result<String, ReadError> {
    limits::check_archive(bytes, limits, &limits::DOCX)?;
    let not_docx = |e: zip::result::ZipError| ReadError::content(format!("not a Word document (DOCX): {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_docx)?;
    let mut part = |name: &str| -> Result<Option<String>, ReadError> {
        let mut entry = match archive.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(not_docx(e)),
        };
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| ReadError::content(format!("{name} in the Word document cannot be read: {e}")))?;
        Ok(Some(text))
    };
    let document = part("word/document.xml")?
        .ok_or_else(|| ReadError::content("not a Word document (DOCX): it has no word/document.xml"))?;
    let numbering = part("word/numbering.xml")?
        .map(|xml| Numbering::parse(&xml))
        .transpose()?;
    let styles = part("word/styles.xml")?.map(|xml| parse_styles(&xml)).transpose()?;
    write_text(&document, &numbering.unwrap_or_default(), &styles.unwrap_or_default())
}

fn xml_error(part: &str) -> impl Fn(quick_xml::Error) -> ReadError + '_ {
    move |e| ReadError::content(format!("{part} in the Word document is not valid XML: {e}"))
}

/// The value of an attribute by its local name ("w:val" → "val").
fn attr(element: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.to_string())
}

fn local(element: &quick_xml::events::BytesStart<'_>) -> String {
    element.local_name().as_ref().to_owned()
}

/// One level of a numbering definition.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    /// "decimal", "bullet", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman", "none".
    format: String,
    /// "%1.", "Kap %1:", "%1.%2".
    text: String,
}

/// `word/numbering.xml`: numbering instances and the abstract definitions they use.
#[derive(Debug, Default)]
struct Numbering {
    /// abstractNumId → levels by ilvl.
    abstracts: HashMap<String, HashMap<u32, Level>>,
    /// numId → abstractNumId.
    instances: HashMap<String, String>,
}

/// At most this many levels are counted (Word has nine).
const MAX_LEVEL: u32 = 9;

impl Numbering {
    fn parse(xml: &str) -> Result<Self, ReadError> {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let (mut abstract_id, mut num_id, mut level): (Option<String>, Option<String>, Option<(u32, Level)>) =
            (None, None, None);
        loop {
            match reader.read_event().map_err(xml_error("numbering.xml"))? {
                Event::Start(e) | Event::Empty(e) => match local(&e).as_str() {
                    "abstractNum" => abstract_id = attr(&e, "abstractNumId"),
                    "num" => num_id = attr(&e, "numId"),
                    "abstractNumId" => {
                        if let (Some(num), Some(value)) = (&num_id, attr(&e, "val")) {
                            numbering.instances.insert(num.clone(), value);
                        }
                    }
                    "lvl" => {
                        let ilvl = attr(&e, "ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                        level = Some((
                            ilvl,
                            Level {
                                start: 1,
                                format: "decimal".into(),
                                text: format!("%{}.", ilvl + 1),
                            },
                        ));
                    }
                    "start" => {
                        if let Some((_, level)) = level.as_mut() {
                            level.start = attr(&e, "val").and_then(|v| v.parse().ok()).unwrap_or(1);
                        }
                    }
                    "numFmt" => {
                        if let Some((_, level)) = level.as_mut() {
                            level.format = attr(&e, "val").unwrap_or_default();
                        }
                    }
                    "lvlText" => {
                        if let Some((_, level)) = level.as_mut() {
                            level.text = attr(&e, "val").unwrap_or_default();
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "lvl" => {
                        if let (Some(id), Some((ilvl, level))) = (&abstract_id, level.take())
                            && ilvl < MAX_LEVEL
                        {
                            numbering.abstracts.entry(id.clone()).or_default().insert(ilvl, level);
                        }
                    }
                    "abstractNum" => abstract_id = None,
                    "num" => num_id = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(numbering)
    }

    fn level(&self, num_id: &str, ilvl: u32) -> Option<&Level> {
        self.abstracts.get(self.instances.get(num_id)?)?.get(&ilvl)
    }
}

/// What a paragraph style says: its numbering and whether it is a heading.
#[derive(Debug, Clone, Default)]
struct Style {
    num: Option<(String, u32)>,
}

/// `word/styles.xml`: the numbering that paragraph styles carry (numbered headings).
fn parse_styles(xml: &str) -> Result<HashMap<String, Style>, ReadError> {
    let mut styles = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut current: Option<(String, Style)> = None;
    loop {
        match reader.read_event().map_err(xml_error("styles.xml"))? {
            Event::Start(e) | Event::Empty(e) => match local(&e).as_str() {
                "style" => current = attr(&e, "styleId").map(|id| (id, Style::default())),
                "numId" => {
                    if let (Some((_, style)), Some(id)) = (current.as_mut(), attr(&e, "val")) {
                        let ilvl = style.num.as_ref().map_or(0, |(_, l)| *l);
                        style.num = Some((id, ilvl));
                    }
                }
                "ilvl" => {
                    if let Some((_, style)) = current.as_mut() {
                        let ilvl = attr(&e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                        let id = style.num.take().map(|(id, _)| id).unwrap_or_default();
                        style.num = Some((id, ilvl));
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "style" => {
                if let Some((id, style)) = current.take() {
                    styles.insert(id, style);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(styles)
}

/// One paragraph being read.
#[derive(Default)]
struct Paragraph {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u32>,
}

/// Counters of the numbering instances, to write "7.1" as Word shows it.
#[derive(Default)]
struct Counters {
    /// numId → the current value of each level.
    values: HashMap<String, [u32; MAX_LEVEL as usize]>,
}

impl Counters {
    /// The label Word shows before a numbered paragraph, e.g. "1." or "Kap 7:".
    /// With `chapters`, a two-level list ("7", "7.1") is written the way the text importer
    /// reads chapters: "Kap 7:" for the first level and "1." for the second.
    fn label(&mut self, numbering: &Numbering, num_id: &str, ilvl: u32, chapters: bool) -> Option<String> {
        let ilvl = ilvl.min(MAX_LEVEL - 1);
        let level = numbering.level(num_id, ilvl)?;
        let abstract_id = numbering.instances.get(num_id)?;
        let levels = numbering.abstracts.get(abstract_id)?;
        let values = self.values.entry(num_id.to_owned()).or_insert([0; MAX_LEVEL as usize]);
        let i = ilvl as usize;
        values[i] = if values[i] == 0 {
            level.start
        } else {
            values[i].saturating_add(1)
        };
        values[i + 1..].iter_mut().for_each(|v| *v = 0);
        match level.format.as_str() {
            "bullet" => return Some("•".into()),
            "none" => return None,
            _ => {}
        }
        let hierarchical = |n: u32| {
            levels
                .get(&n)
                .is_some_and(|l| l.text.contains("%1") && l.text.contains("%2"))
        };
        if chapters && ilvl == 0 && hierarchical(1) {
            return Some(format!("Kap {}:", values[0]));
        }
        if chapters && ilvl == 1 && hierarchical(1) {
            return Some(format!("{}.", values[1]));
        }
        let mut text = level.text.clone();
        for (n, value) in values.iter().enumerate().take(i + 1).rev() {
            let shown = levels.get(&(n as u32)).map_or("decimal", |l| l.format.as_str());
            let value = if *value == 0 {
                levels.get(&(n as u32)).map_or(1, |l| l.start)
            } else {
                *value
            };
            text = text.replace(&format!("%{}", n + 1), &format_number(value, shown));
        }
        let text = text.trim().to_owned();
        (!text.is_empty()).then_some(text)
    }
}

fn format_number(value: u32, format: &str) -> String {
    let letter = |base: u8| {
        let index = (value.max(1) - 1) % 26;
        char::from(base + index as u8).to_string()
    };
    match format {
        "lowerLetter" => letter(b'a'),
        "upperLetter" => letter(b'A'),
        "lowerRoman" => roman(value).to_lowercase(),
        "upperRoman" => roman(value),
        _ => value.to_string(),
    }
}

fn roman(mut value: u32) -> String {
    const DIGITS: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (size, digit) in DIGITS {
        while value >= size && out.len() < 20 {
            out.push_str(digit);
            value -= size;
        }
    }
    out
}

/// A piece of the document body in order.
enum Block {
    Paragraph(Paragraph),
    /// A table row: the paragraphs of each cell.
    Row(Vec<Vec<Paragraph>>),
    TableEnd,
}

/// Walks `word/document.xml` and writes its paragraphs as lines.
fn write_text(xml: &str, numbering: &Numbering, styles: &HashMap<String, Style>) -> Result<String, ReadError> {
    let blocks = read_blocks(xml)?;
    // Which numbering levels the document uses: a chapter-style list ("7", "7.1") is written
    // as "Kap 7:" and "1." only where its second level is really used.
    let mut used = std::collections::HashSet::new();
    let mut all = |p: &Paragraph| {
        if let Some(num) = numbering_of(p, styles) {
            used.insert(num);
        }
    };
    for block in &blocks {
        match block {
            Block::Paragraph(p) => all(p),
            Block::Row(cells) => cells.iter().flatten().for_each(&mut all),
            Block::TableEnd => {}
        }
    }
    let mut counters = Counters::default();
    let mut line = |p: &Paragraph| paragraph_line(p, numbering, styles, &used, &mut counters);
    let mut out = String::new();
    for block in &blocks {
        match block {
            Block::Paragraph(p) => out.push_str(&line(p)),
            Block::Row(cells) => {
                let cells: Vec<String> = cells
                    .iter()
                    .map(|paragraphs| {
                        paragraphs
                            .iter()
                            .map(&mut line)
                            .collect::<Vec<_>>()
                            .join(" ")
                            .trim()
                            .to_owned()
                    })
                    .filter(|c| !c.is_empty())
                    .collect();
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                out.push_str(&row_line(&cells));
            }
            Block::TableEnd => {}
        }
        out.push('\n');
    }
    Ok(out)
}

fn read_blocks(xml: &str) -> Result<Vec<Block>, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut blocks = Vec::new();
    let mut paragraph: Option<Paragraph> = None;
    let mut row: Option<Vec<Vec<Paragraph>>> = None;
    let mut in_text = false;
    loop {
        match reader.read_event().map_err(xml_error("document.xml"))? {
            Event::Start(e) => match local(&e).as_str() {
                "p" => paragraph = Some(Paragraph::default()),
                "t" => in_text = true,
                "tr" => row = Some(Vec::new()),
                "tc" => {
                    if let Some(row) = row.as_mut() {
                        row.push(Vec::new());
                    }
                }
                name => paragraph_property(&mut paragraph, name, &e),
            },
            Event::Empty(e) => match local(&e).as_str() {
                // An empty paragraph is a blank line.
                "p" => match row.as_mut().and_then(|r| r.last_mut()) {
                    Some(cell) => cell.push(Paragraph::default()),
                    None => blocks.push(Block::Paragraph(Paragraph::default())),
                },
                "tab" => push_text(&mut paragraph, "\t"),
                "br" | "cr" => push_text(&mut paragraph, " "),
                name => paragraph_property(&mut paragraph, name, &e),
            },
            Event::Text(t) if in_text => push_text(&mut paragraph, &t),
            Event::CData(t) if in_text => push_text(&mut paragraph, &t),
            Event::GeneralRef(r) if in_text => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*r {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => String::new(),
                    },
                };
                push_text(&mut paragraph, &resolved);
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    if let Some(p) = paragraph.take() {
                        match row.as_mut().and_then(|r| r.last_mut()) {
                            Some(cell) => cell.push(p),
                            None => blocks.push(Block::Paragraph(p)),
                        }
                    }
                }
                "tr" => blocks.extend(row.take().map(Block::Row)),
                "tbl" => blocks.push(Block::TableEnd),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(blocks)
}

/// A table row as one line. A row whose first cell is an action number ("7.1", "3") reads
/// as that numbered action: "7.1 Title Description" becomes "1. Title Description" under
/// nothing else; other rows are their cells joined by " – ".
fn row_line(cells: &[&str]) -> String {
    if let [first, rest @ ..] = cells
        && !rest.is_empty()
    {
        let number = first.trim_end_matches(['.', ')']);
        if !number.is_empty() && number.len() <= 3 && number.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{number}. {}", rest.join(" – "));
        }
    }
    cells.join(" – ")
}

fn push_text(paragraph: &mut Option<Paragraph>, text: &str) {
    if let Some(p) = paragraph.as_mut() {
        p.text.push_str(text);
    }
}

fn paragraph_property(paragraph: &mut Option<Paragraph>, name: &str, e: &quick_xml::events::BytesStart<'_>) {
    let Some(p) = paragraph.as_mut() else {
        return;
    };
    match name {
        "pStyle" => p.style = attr(e, "val"),
        "numId" => p.num_id = attr(e, "val"),
        "ilvl" => p.ilvl = attr(e, "val").and_then(|v| v.parse().ok()),
        _ => {}
    }
}

/// The numbering instance and level of a paragraph, its own or its style's.
fn numbering_of(p: &Paragraph, styles: &HashMap<String, Style>) -> Option<(String, u32)> {
    let style_num = p.style.as_ref().and_then(|s| styles.get(s)).and_then(|s| s.num.clone());
    let num = match (&p.num_id, style_num) {
        (Some(id), style) => Some((id.clone(), p.ilvl.or(style.map(|(_, l)| l)).unwrap_or(0))),
        (None, Some((id, ilvl))) => Some((id, p.ilvl.unwrap_or(ilvl))),
        (None, None) => None,
    };
    // numId 0 switches numbering off.
    num.filter(|(id, _)| id != "0" && !id.is_empty())
}

fn paragraph_line(
    p: &Paragraph,
    numbering: &Numbering,
    styles: &HashMap<String, Style>,
    used: &std::collections::HashSet<(String, u32)>,
    counters: &mut Counters,
) -> String {
    let text = p.text.trim();
    let label = numbering_of(p, styles).and_then(|(id, ilvl)| {
        let chapters = match ilvl {
            0 => used.contains(&(id.clone(), 1)),
            1 => used.contains(&(id.clone(), 0)),
            _ => false,
        };
        counters.label(numbering, &id, ilvl, chapters)
    });
    match label {
        Some(label) if !text.is_empty() => format!("{label} {text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_word_shows_them() {
        let numbering = Numbering::parse(
            r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="5">
            <w:lvl w:ilvl="0"><w:start w:val="7"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Kap %1:"/></w:lvl>
            <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
            <w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
            </w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="5"/></w:num></w:numbering>"#,
        )
        .unwrap();
        let mut counters = Counters::default();
        let labels: Vec<Option<String>> = [0, 1, 1, 2, 0, 1]
            .into_iter()
            .map(|ilvl| counters.label(&numbering, "3", ilvl, false))
            .collect();
        assert_eq!(
            labels,
            [
                Some("Kap 7:".to_string()),
                Some("7.1".into()),
                Some("7.2".into()),
                Some("•".into()),
                Some("Kap 8:".into()),
                Some("8.1".into())
            ]
        );
        assert_eq!(counters.label(&numbering, "99", 0, false), None);
        let mut counters = Counters::default();
        let chapters: Vec<Option<String>> = [0, 1, 1, 0, 1]
            .into_iter()
            .map(|ilvl| counters.label(&numbering, "3", ilvl, true))
            .collect();
        let expected = ["Kap 7:", "1.", "2.", "Kap 8:", "1."].map(|l| Some(l.to_string()));
        assert_eq!(chapters, expected);
        assert_eq!(
            (roman(14), format_number(3, "lowerLetter")),
            ("XIV".to_string(), "c".to_string())
        );
    }

    #[test]
    fn table_rows_with_a_number_first_are_actions() {
        assert_eq!(
            row_line(&["3", "Trygge skoleveier", "Kartlegging"]),
            "3. Trygge skoleveier – Kartlegging"
        );
        assert_eq!(row_line(&["Nr.", "Tiltak"]), "Nr. – Tiltak");
    }

    /// A DOCX of `body` paragraphs with `numbering.xml`, as Word writes one.
    pub(crate) fn docx(body: &str, numbering: &str) -> Vec<u8> {
        use std::io::Write;
        let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for (name, content) in [
            ("[Content_Types].xml", "<Types/>".to_string()),
            (
                "word/document.xml",
                format!("<w:document {w}><w:body>{body}</w:body></w:document>"),
            ),
            (
                "word/numbering.xml",
                format!("<w:numbering {w}>{numbering}</w:numbering>"),
            ),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_document_with_word_numbering_gives_its_numbers_and_titles() {
        let numbering = r#"<w:abstractNum w:abstractNumId="1">
            <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/></w:lvl>
            <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
            <w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/><w:lvlText w:val="o"/></w:lvl></w:abstractNum>
            <w:num w:numId="4"><w:abstractNumId w:val="1"/></w:num>"#;
        let p = |ilvl: Option<u32>, text: &str| match ilvl {
            Some(l) => format!(
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{l}"/><w:numId w:val="4"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            ),
            None => format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"),
        };
        let body = [
            p(None, "Handlingsplan for oppvekst"),
            p(None, "Tiltak i planen"),
            p(Some(0), "Trygge barnehager"),
            p(Some(1), "Alle barnehager får en plan mot mobbing."),
            p(Some(1), "Foreldremøter om språk &amp; lek holdes hver høst."),
            p(Some(2), "Tolk bestilles ved behov"),
            p(Some(0), "Skole"),
            p(Some(1), "Leksehjelp gis på alle trinn."),
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Merknad</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Vedtatt 2025</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#.to_string(),
        ]
        .concat();
        let bytes = docx(&body, numbering);
        let text = docx_text(&bytes, &limits::LIMITS).unwrap();
        assert!(text.contains("Kap 3: Trygge barnehager\n1. Alle barnehager"), "{text}");
        let document = crate::import::read(crate::import::Format::Docx, &bytes, None).unwrap();
        let actions: Vec<(u32, u32, &str)> = document
            .chapters
            .iter()
            .flat_map(|c| c.actions.iter().map(move |a| (c.number, a.number, a.title.as_str())))
            .collect();
        assert_eq!(
            actions,
            [
                (3, 1, "Alle barnehager får en plan mot mobbing"),
                (3, 2, "Foreldremøter om språk & lek holdes hver høst"),
                (4, 1, "Leksehjelp gis på alle trinn"),
            ]
        );
        let titles: Vec<&str> = document.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Trygge barnehager", "Skole"]);
        assert_eq!(
            document.chapters[0].actions[1].description,
            "Foreldremøter om språk & lek holdes hver høst. Tolk bestilles ved behov."
        );
    }

    #[test]
    fn the_real_plan_as_docx_gives_the_same_56_actions_as_its_text() {
        let docx = include_bytes!("../../tests/data/forebyggende-plan.docx");
        let text = include_str!("../../tests/data/forebyggende-plan.txt");
        let from_docx = crate::import::read(crate::import::Format::Docx, docx, None).unwrap();
        let from_text = crate::import::read(crate::import::Format::Text, text.as_bytes(), None).unwrap();
        let numbers: Vec<String> = from_docx
            .chapters
            .iter()
            .flat_map(|c| c.actions.iter().map(move |a| format!("{}.{}", c.number, a.number)))
            .collect();
        assert_eq!(numbers.len(), 56);
        assert_eq!((numbers[0].as_str(), numbers[55].as_str()), ("7.1", "17.17"));
        assert_eq!(from_docx.chapters, from_text.chapters);
    }

    #[test]
    fn not_a_word_document() {
        let err = docx_text(b"PK\x03\x04 nonsense", &limits::LIMITS).unwrap_err();
        assert!(err.0.starts_with("not a Word document (DOCX)"), "{err}");
        let bytes = docx("<w:p><w:r><w:t>x</w:t></w:r></w:p><w:p", "");
        assert!(
            docx_text(&bytes, &limits::LIMITS)
                .unwrap_err()
                .0
                .contains("not valid XML")
        );
    }
}
