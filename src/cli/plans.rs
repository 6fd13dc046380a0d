//! `tiltak plans`, `tiltak export` and `tiltak report`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use super::{command_line_viewer, parse_plan_id};
use crate::{
    config::Settings,
    import, report,
    services::{imports, plans, reports},
};

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long, value_name = "ID", value_parser = parse_plan_id)]
    plan: Uuid,
    #[arg(long, value_parser = ["csv", "json"])]
    format: String,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long, value_name = "ID", value_parser = parse_plan_id)]
    plan: Uuid,
    #[arg(long, value_name = "YYYY")]
    year: i32,
    /// md | html | csv | docx
    #[arg(long, value_parser = report::Format::parse)]
    format: report::Format,
    /// Only the actions this unit is responsible for.
    #[arg(long, value_name = "UNIT_ID", conflicts_with = "team")]
    unit: Option<Uuid>,
    /// Only the actions of this leader team's units.
    #[arg(long, value_name = "TEAM_ID")]
    team: Option<Uuid>,
    /// Write to this file instead of stdout (needed for docx).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) async fn plans(settings: &Settings) -> anyhow::Result<()> {
    let (db, viewer) = command_line_viewer(settings).await?;
    let plans = plans::plans(&db, &viewer, None).await?;
    if plans.is_empty() {
        say!("no plans yet: import one with `tiltak import FILE --title TITLE`");
    } else {
        say!("{:<36}  {:>7}  TITLE", "ID", "ACTIONS");
    }
    for plan in plans {
        let actions = plans::progress(&db, &plan).await?.overall.total;
        let archived = if plan.archived_at.is_some() { " (arkivert)" } else { "" };
        say!("{:<36}  {actions:>7}  {}{archived}", plan.id, plan.title);
    }
    Ok(())
}

pub(super) async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let (db, viewer) = command_line_viewer(settings).await?;
    let document = imports::export(&db, &viewer, args.plan).await?;
    let text = match args.format.as_str() {
        "csv" => import::table::write_csv(&document),
        _ => serde_json::to_string_pretty(&document)? + "\n",
    };
    match args.out {
        Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

pub(super) async fn report(settings: &Settings, args: ReportArgs) -> anyhow::Result<()> {
    let (db, viewer) = command_line_viewer(settings).await?;
    let view = reports::View::of(args.unit, args.team)?;
    let year_report = reports::report(&db, &viewer, args.plan, args.year, view).await?;
    let bytes = args.format.render(&year_report.report);
    match args.out {
        Some(path) => {
            std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
            let state = if year_report.frozen.is_some() { "frozen" } else { "live" };
            eprintln!("{} ({state}, sha256 {})", path.display(), year_report.hash);
        }
        None if args.format == report::Format::Docx => {
            anyhow::bail!("a docx report is binary: give --out FILE")
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}
