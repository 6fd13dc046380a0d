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
    /// text | csv | xlsx | json; guessed from the file's extension when omitted.
    #[arg(long, value_parser = Format::parse)]
    format: Option<Format>,
    /// The heading of the list to read, when a text document holds several.
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
    print_report(&report);
    Ok(())
}

fn print_report(report: &imports::ImportReport) {
    println!("plan {}", report.plan_id);
    println!(
        "created {}, updated {}, unchanged {}, missing {}",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        report.missing.len()
    );
    for (label, numbers) in [
        ("created", &report.created),
        ("updated", &report.updated),
        ("missing", &report.missing),
    ] {
        if !numbers.is_empty() {
            println!("{label}: {}", numbers.join(" "));
        }
    }
    for (label, lines) in [("hints", &report.hints), ("warnings", &report.warnings)] {
        if !lines.is_empty() {
            println!("{label}:");
            lines.iter().for_each(|line| println!("  {line}"));
        }
    }
    if report.dry_run {
        println!("dry run: nothing was written");
    }
}
