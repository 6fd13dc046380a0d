//! `tiltak import`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use super::{command_line_viewer, parse_plan_id};
use crate::{audit_key::AuditKey, config::Settings, import::Format, services::imports};

#[derive(Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The plan to import into; without it a new plan is created.
    #[arg(long, value_name = "ID", conflicts_with = "title", value_parser = parse_plan_id)]
    plan: Option<Uuid>,
    /// Title of the new plan (CSV and text files carry none).
    #[arg(long)]
    title: Option<String>,
    /// text | docx | pdf | csv | xlsx | json; guessed from the file's extension when omitted.
    #[arg(long, value_parser = Format::parse)]
    format: Option<Format>,
    /// The heading of the list to read, when a document holds several (its first words are
    /// enough; case and punctuation do not matter).
    #[arg(long, value_name = "HEADING")]
    section: Option<String>,
    /// Report what would be created, changed and left alone, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub(super) async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let ImportArgs {
        file,
        plan,
        title,
        format,
        section,
        dry_run,
    } = args;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let format = format.unwrap_or_else(|| Format::from_path(&file));
    let key = AuditKey::load(&settings.audit)?;
    let (db, viewer) = command_line_viewer(settings).await?;
    let document = imports::read(&viewer, format, imports::Content::Bytes(bytes), section)
        .await
        .with_context(|| format!("{} cannot be read as a plan", file.display()))?;
    let target = match plan {
        Some(id) => imports::Target::Plan(id),
        None => imports::Target::NewPlan(title),
    };
    let report = imports::import(
        &db,
        &key,
        &viewer,
        chrono::Utc::now(),
        &settings.public_url(),
        target,
        document,
        dry_run,
    )
    .await?;
    print_report(&report)?;
    Ok(())
}

/// How many of a document's other lists are named; the rest are counted.
const OTHER_LISTS_SHOWN: usize = 10;

fn print_report(report: &imports::ImportReport) -> std::io::Result<()> {
    if report.new_plan && report.dry_run {
        say!("plan: a new plan (not created: dry run)");
    } else {
        say!("plan {}", report.plan_id);
    }
    if let Some(list) = &report.list {
        say!("list read: {list}");
    }
    if !report.other_lists.is_empty() {
        say!("other lists, not read (choose one with --section HEADING):");
        for list in report.other_lists.iter().take(OTHER_LISTS_SHOWN) {
            say!("  {list}");
        }
        if report.other_lists.len() > OTHER_LISTS_SHOWN {
            say!("  … and {} more", report.other_lists.len() - OTHER_LISTS_SHOWN);
        }
    }
    say!(
        "created {}, updated {}, unchanged {}, missing {}",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        report.missing.len()
    );
    let mut chapter = None;
    for action in &report.actions {
        if chapter != Some(&action.chapter) && !action.chapter.is_empty() {
            say!("chapter {}", action.chapter);
        }
        chapter = Some(&action.chapter);
        let outcome = match action.outcome {
            imports::Outcome::Created => "created",
            imports::Outcome::Updated => "updated",
            imports::Outcome::Unchanged => "unchanged",
        };
        say!("  {} {} ({outcome})", action.number, action.title);
    }
    if !report.missing.is_empty() {
        say!("missing: {}", report.missing.join(" "));
    }
    for (label, lines) in [("hints", &report.hints), ("warnings", &report.warnings)] {
        if !lines.is_empty() {
            say!("{label}:");
            for line in lines.iter() {
                say!("  {line}");
            }
        }
    }
    if report.dry_run {
        say!("dry run: nothing was written");
    }
    Ok(())
}
