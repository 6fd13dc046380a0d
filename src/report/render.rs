//! Markdown, printable HTML (A4, the status chart as inline SVG) and CSV. Norwegian bokmål
//! throughout; the output depends on the report alone.

use std::fmt::Write;

use super::{ActionReport, Report};

fn date(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

pub(super) fn flags(action: &ActionReport) -> Vec<String> {
    let mut flags = Vec::new();
    if action.flags.overdue {
        flags.push("Fristen er passert".to_owned());
    }
    if let Some(reason) = &action.flags.delayed_reason {
        flags.push(if reason.is_empty() {
            "Forsinket".to_owned()
        } else {
            format!("Forsinket: {reason}")
        });
    }
    if action.flags.no_update {
        flags.push("Ingen oppdatering i året".to_owned());
    }
    if let Some(decision) = &action.flags.council_decision {
        flags.push(format!("Vedtatt av kommunestyret ({decision})"));
    }
    flags
}

fn title(report: &Report) -> String {
    format!("Oppfølging av {} – årsrapport {}", report.plan_title, report.year)
}

/// Text from users as inert Markdown on one line: markup characters are escaped, HTML is
/// shown as text, line breaks become spaces.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "# {}\n", md(&title(report)));
    let _ = writeln!(out, "{} · {}", md(&report.organization), md(&report.view));
    if let Some(decision) = &report.decision_ref {
        let _ = writeln!(out, "\nPlanen er vedtatt i {}.", md(decision));
    }
    let _ = writeln!(out, "\n## Sammendrag\n");
    let _ = writeln!(out, "Status per 31.12.{}, {} tiltak.\n", report.year, s.total);
    let _ = writeln!(out, "| Status | Antall | Farge |\n|---|---:|---|");
    for count in &s.by_status {
        let _ = writeln!(out, "| {} | {} | {} |", count.label, count.count, count.colour);
    }
    if s.total == 0 {
        let _ = writeln!(out, "\nIngen tiltak å rapportere for {}.", report.year);
        return out;
    }
    let _ = writeln!(out, "\nTiltak med passert frist: {}.", s.overdue);
    if s.without_update.is_empty() {
        let _ = writeln!(out, "Alle tiltak er oppdatert i løpet av året.");
    } else {
        let _ = writeln!(
            out,
            "Uten oppdatering i {}: {}.",
            report.year,
            s.without_update.join(", ")
        );
    }
    let _ = writeln!(out, "\n### Per enhet\n");
    let header: Vec<&str> = s.by_status.iter().map(|c| c.label.as_str()).collect();
    let _ = writeln!(out, "| Enhet | Totalt | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---:|{}", "---:|".repeat(header.len()));
    for unit in &s.by_unit {
        let counts: Vec<String> = unit.by_status.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "| {} | {} | {} |", md(&unit.unit), unit.total, counts.join(" | "));
    }
    let _ = writeln!(out, "\n### Endringer siden {}\n", report.year - 1);
    if s.changes.is_empty() {
        let _ = writeln!(out, "Ingen tiltak har endret status.");
    }
    for change in &s.changes {
        let _ = writeln!(
            out,
            "- {} {}: {} → {}",
            change.number,
            md(&change.title),
            change.from,
            change.to
        );
    }
    for chapter in &report.chapters {
        let _ = writeln!(out, "\n## Kapittel {}: {}", chapter.number, md(&chapter.title));
        for action in &chapter.actions {
            let _ = writeln!(out, "\n### {} {}\n", action.number, md(&action.title));
            let _ = writeln!(
                out,
                "- Ansvarlig: {}",
                md(action.unit.as_deref().unwrap_or("ikke satt"))
            );
            let _ = writeln!(
                out,
                "- Frist: {}",
                action.deadline.map_or_else(|| "ingen".to_owned(), date)
            );
            let _ = writeln!(out, "- Status per 31.12.{}: {}", report.year, action.status_label);
            for flag in flags(action) {
                let _ = writeln!(out, "- **{}**", md(&flag));
            }
            if !action.events.is_empty() {
                let _ = writeln!(out, "\nI løpet av året:\n");
                for event in &action.events {
                    let comment = event
                        .comment
                        .as_deref()
                        .map(|c| format!(" – {}", md(c)))
                        .unwrap_or_default();
                    let _ = writeln!(out, "- {}: {}{comment}", date(event.date), event.change);
                }
            }
            if let Some(evaluation) = &action.evaluation {
                let _ = writeln!(out, "\nEvaluering {}:", report.year);
                match (&evaluation.carried_out, &evaluation.decision) {
                    (Some(carried_out), Some(decision)) => {
                        let _ = writeln!(out, "- Gjennomført som planlagt: {carried_out}");
                        let _ = writeln!(out, "- Effekt: {}", md(evaluation.effect.as_deref().unwrap_or("")));
                        let _ = writeln!(out, "- Videre: {decision}");
                        if let Some(comment) = &evaluation.comment {
                            let _ = writeln!(out, "- Kommentar: {}", md(comment));
                        }
                    }
                    _ => {
                        let _ = writeln!(out, "- Ikke sendt inn");
                    }
                }
            }
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLOURS: &[(&str, &str)] = &[
    ("grønn", "#2e7d32"),
    ("gul", "#f9a825"),
    ("rød", "#c62828"),
    ("grå", "#9e9e9e"),
];

fn hex(colour: &str) -> &'static str {
    COLOURS
        .iter()
        .find(|(name, _)| *name == colour)
        .map_or("#9e9e9e", |(_, hex)| hex)
}

/// A horizontal bar per status, as inline SVG.
fn chart(report: &Report) -> String {
    let counts = &report.summary.by_status;
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    let row = 26;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="{}" role="img" aria-label="Tiltak per status">"#,
        counts.len() * row + 10
    );
    for (i, count) in counts.iter().enumerate() {
        let y = i * row + 5;
        let width = count.count * 380 / max;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" font-size="13">{}</text><rect x="170" y="{y}" width="{width}" height="18" fill="{}"/><text x="{}" y="{}" font-size="13">{}</text>"#,
            y + 14,
            escape(&count.label),
            hex(&count.colour),
            175 + width,
            y + 14,
            count.count
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn html(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 20mm 18mm; }}
body {{ font-family: "Segoe UI", Arial, sans-serif; font-size: 10.5pt; color: #222; }}
h1 {{ font-size: 18pt; }} h2 {{ font-size: 14pt; margin-top: 18pt; page-break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; margin: 6pt 0; }}
th, td {{ border: 1px solid #bbb; padding: 3pt 5pt; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
tr {{ page-break-inside: avoid; }}
.dot {{ display: inline-block; width: 9pt; height: 9pt; border-radius: 50%; margin-right: 4pt; }}
.flag {{ color: #c62828; font-weight: bold; }}
small {{ color: #555; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{organization} · {view}{decision}</p>
<h2>Sammendrag</h2>
<p>Status per 31.12.{year}, {total} tiltak. Tiltak med passert frist: {overdue}.</p>
{chart}
<table><tr><th>Status</th><th>Antall</th></tr>
"#,
        title = escape(&title(report)),
        organization = escape(&report.organization),
        view = escape(&report.view),
        decision = report
            .decision_ref
            .as_deref()
            .map(|d| format!(" · vedtatt i {}", escape(d)))
            .unwrap_or_default(),
        year = report.year,
        total = s.total,
        overdue = s.overdue,
        chart = chart(report),
    );
    for count in &s.by_status {
        let _ = writeln!(
            out,
            r#"<tr><td><span class="dot" style="background:{}"></span>{}</td><td>{}</td></tr>"#,
            hex(&count.colour),
            escape(&count.label),
            count.count
        );
    }
    out.push_str("</table>\n<h2>Per enhet</h2>\n<table><tr><th>Enhet</th><th>Totalt</th>");
    for count in &s.by_status {
        let _ = write!(out, "<th>{}</th>", escape(&count.label));
    }
    out.push_str("</tr>\n");
    for unit in &s.by_unit {
        let _ = write!(out, "<tr><td>{}</td><td>{}</td>", escape(&unit.unit), unit.total);
        for n in &unit.by_status {
            let _ = write!(out, "<td>{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>Uten oppdatering i {}: {}.</p>",
        report.year,
        if s.without_update.is_empty() {
            "ingen".to_owned()
        } else {
            s.without_update.join(", ")
        }
    );
    let _ = writeln!(out, "<h2>Endringer siden {}</h2>", report.year - 1);
    if s.changes.is_empty() {
        out.push_str("<p>Ingen tiltak har endret status.</p>\n");
    } else {
        out.push_str("<table><tr><th>Tiltak</th><th>Fra</th><th>Til</th></tr>\n");
        for change in &s.changes {
            let _ = writeln!(
                out,
                "<tr><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                escape(&change.number),
                escape(&change.title),
                escape(&change.from),
                escape(&change.to)
            );
        }
        out.push_str("</table>\n");
    }
    for chapter in &report.chapters {
        let _ = writeln!(out, "<h2>Kapittel {}: {}</h2>", chapter.number, escape(&chapter.title));
        out.push_str("<table><tr><th>Tiltak</th><th>Ansvarlig</th><th>Frist</th><th>Status 31.12.</th><th>I løpet av året</th></tr>\n");
        for action in &chapter.actions {
            let mut during = String::new();
            for event in &action.events {
                let comment = event
                    .comment
                    .as_deref()
                    .map(|c| format!(" – {}", escape(c)))
                    .unwrap_or_default();
                let _ = write!(during, "{}: {}{comment}<br>", date(event.date), escape(&event.change));
            }
            if let Some(evaluation) = &action.evaluation {
                match (&evaluation.carried_out, &evaluation.decision) {
                    (Some(carried_out), Some(decision)) => {
                        let comment = evaluation
                            .comment
                            .as_deref()
                            .map(|c| format!("; kommentar: {}", escape(c)))
                            .unwrap_or_default();
                        let _ = write!(
                            during,
                            "<small>Evaluering: gjennomført som planlagt: {}; effekt: {}; videre: {}{comment}</small><br>",
                            escape(carried_out),
                            escape(evaluation.effect.as_deref().unwrap_or("")),
                            escape(decision)
                        );
                    }
                    _ => during.push_str("<small>Evaluering ikke sendt inn</small><br>"),
                }
            }
            for flag in flags(action) {
                let _ = write!(during, r#"<span class="flag">{}</span><br>"#, escape(&flag));
            }
            let _ = writeln!(
                out,
                "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{during}</td></tr>",
                escape(&action.number),
                escape(&action.title),
                escape(action.unit.as_deref().unwrap_or("ikke satt")),
                action.deadline.map_or_else(|| "ingen".to_owned(), date),
                escape(&action.status_label)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A field a spreadsheet would run as a formula gets a leading apostrophe.
fn inert(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    }
}

/// One row per action, for a spreadsheet.
pub fn csv(report: &Report) -> String {
    // Semicolons and a byte-order mark: what Excel with Norwegian settings opens directly.
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::from(*b"\xEF\xBB\xBF"));
    let _ = writer.write_record([
        "kapittel",
        "tiltak",
        "tittel",
        "ansvarlig",
        "frist",
        "status_31_12",
        "status_året_før",
        "endringer_i_året",
        "evaluering",
        "passert_frist",
        "forsinket_begrunnelse",
        "ingen_oppdatering",
        "kommunestyrevedtak",
    ]);
    for chapter in &report.chapters {
        for action in &chapter.actions {
            let events: Vec<String> = action
                .events
                .iter()
                .map(|e| {
                    let comment = e.comment.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
                    format!("{}: {}{comment}", date(e.date), e.change)
                })
                .collect();
            let evaluation =
                action
                    .evaluation
                    .as_ref()
                    .map_or_else(String::new, |e| match (&e.carried_out, &e.decision) {
                        (Some(c), Some(d)) => {
                            let comment = e.comment.as_deref().map(|c| format!("; {c}")).unwrap_or_default();
                            format!("{c}; {}; {d}{comment}", e.effect.as_deref().unwrap_or(""))
                        }
                        _ => "ikke sendt inn".to_owned(),
                    });
            let yes = |b: bool| if b { "ja" } else { "nei" };
            let record = [
                chapter.number.to_string(),
                action.number.clone(),
                action.title.clone(),
                action.unit.clone().unwrap_or_default(),
                action.deadline.map(|d| d.to_string()).unwrap_or_default(),
                action.status_label.clone(),
                action.previous_status.as_deref().map(super::label).unwrap_or_default(),
                events.join("; "),
                evaluation,
                yes(action.flags.overdue).to_owned(),
                action.flags.delayed_reason.clone().unwrap_or_default(),
                yes(action.flags.no_update).to_owned(),
                action.flags.council_decision.clone().unwrap_or_default(),
            ];
            let _ = writer.write_record(record.map(|field| inert(&field)));
        }
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text is UTF-8")
}
