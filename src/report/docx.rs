//! The report as a Word document (docx-rs): headings, the summary tables and one table per
//! chapter, so it can be attached to the council case and edited in Word or LibreOffice.

use docx_rs::{Docx, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow};

use super::Report;

fn text(value: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(value))
}

fn heading(level: usize, value: &str) -> Paragraph {
    text(value).style(&format!("Heading{level}"))
}

fn row(cells: &[String], header: bool) -> TableRow {
    TableRow::new(
        cells
            .iter()
            .map(|value| {
                let mut run = Run::new();
                for (i, line) in value.split('\n').enumerate() {
                    if i > 0 {
                        run = run.add_break(docx_rs::BreakType::TextWrapping);
                    }
                    run = run.add_text(line);
                }
                if header {
                    run = run.bold();
                }
                TableCell::new().add_paragraph(Paragraph::new().add_run(run))
            })
            .collect(),
    )
}

/// The text width of an A4 page with Word's default margins, in twentieths of a point.
const WIDTH: usize = 9600;

/// A table whose columns share the page width by the given weights.
fn table(header: &[&str], rows: Vec<Vec<String>>, weights: &[usize]) -> Table {
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut all = vec![row(&header, true)];
    all.extend(rows.iter().map(|cells| row(cells, false)));
    let total: usize = weights.iter().sum::<usize>().max(1);
    Table::new(all).set_grid(weights.iter().map(|w| w * WIDTH / total).collect())
}

pub fn docx(report: &Report) -> Vec<u8> {
    let s = &report.summary;
    let date = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    let mut doc = Docx::new()
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(28)
                .bold(),
        )
        .add_paragraph(heading(
            1,
            &format!("Oppfølging av {} – årsrapport {}", report.plan_title, report.year),
        ))
        .add_paragraph(text(&format!("{} · {}", report.organization, report.view)))
        .add_paragraph(heading(2, "Sammendrag"))
        .add_paragraph(text(&format!(
            "Status per 31.12.{}, {} tiltak. Tiltak med passert frist: {}.",
            report.year, s.total, s.overdue
        )))
        .add_table(table(
            &["Status", "Antall", "Farge"],
            s.by_status
                .iter()
                .map(|c| vec![c.label.clone(), c.count.to_string(), c.colour.clone()])
                .collect(),
            &[3, 1, 1],
        ))
        .add_paragraph(heading(2, "Per enhet"));
    let mut unit_header = vec!["Enhet", "Totalt"];
    unit_header.extend(s.by_status.iter().map(|c| c.label.as_str()));
    doc = doc.add_table(table(
        &unit_header,
        s.by_unit
            .iter()
            .map(|u| {
                let mut cells = vec![u.unit.clone(), u.total.to_string()];
                cells.extend(u.by_status.iter().map(usize::to_string));
                cells
            })
            .collect(),
        &[vec![3], vec![1; unit_header.len() - 1]].concat(),
    ));
    doc = doc
        .add_paragraph(text(&format!(
            "Uten oppdatering i {}: {}.",
            report.year,
            if s.without_update.is_empty() {
                "ingen".to_owned()
            } else {
                s.without_update.join(", ")
            }
        )))
        .add_paragraph(heading(2, &format!("Endringer siden {}", report.year - 1)));
    doc = if s.changes.is_empty() {
        doc.add_paragraph(text("Ingen tiltak har endret status."))
    } else {
        doc.add_table(table(
            &["Tiltak", "Fra", "Til"],
            s.changes
                .iter()
                .map(|c| vec![format!("{} {}", c.number, c.title), c.from.clone(), c.to.clone()])
                .collect(),
            &[4, 1, 1],
        ))
    };
    for chapter in &report.chapters {
        doc = doc
            .add_paragraph(heading(2, &format!("Kapittel {}: {}", chapter.number, chapter.title)))
            .add_table(table(
                &["Tiltak", "Ansvarlig", "Frist", "Status 31.12.", "I løpet av året"],
                chapter
                    .actions
                    .iter()
                    .map(|a| {
                        let mut during: Vec<String> = a
                            .events
                            .iter()
                            .map(|e| {
                                let comment = e.comment.as_deref().map(|c| format!(" – {c}")).unwrap_or_default();
                                format!("{}: {}{comment}", date(e.date), e.change)
                            })
                            .collect();
                        if let Some(e) = &a.evaluation {
                            during.push(match (&e.carried_out, &e.decision) {
                                (Some(c), Some(d)) => format!(
                                    "Evaluering: gjennomført som planlagt: {c}; effekt: {}; videre: {d}{}",
                                    e.effect.as_deref().unwrap_or(""),
                                    e.comment
                                        .as_deref()
                                        .map(|c| format!("; kommentar: {c}"))
                                        .unwrap_or_default()
                                ),
                                _ => "Evaluering ikke sendt inn".to_owned(),
                            });
                        }
                        during.extend(super::render::flags(a));
                        vec![
                            format!("{} {}", a.number, a.title),
                            a.unit.clone().unwrap_or_else(|| "ikke satt".to_owned()),
                            a.deadline.map_or_else(|| "ingen".to_owned(), date),
                            a.status_label.clone(),
                            during.join("\n"),
                        ]
                    })
                    .collect(),
                &[5, 3, 2, 2, 6],
            ));
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut bytes).expect("writing a document to memory");
    bytes.into_inner()
}
