//! The command line: `tiltak serve | migrate | schema | plans | import | export | report | jobs | outbox | audit | org | token`.
//!
//! One module per group of commands, one function per command; each reads its arguments,
//! calls the services and prints. What a command decides (who gets a token, which
//! organization is meant) is in `services`, so the pages and GraphQL decide it the same way.

/// Prints a line on standard output. A reader that went away (`tiltak plans | head -1`) ends
/// the command with the error [`is_closed_pipe`] recognizes, instead of a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod audit;
mod import;
mod jobs;
mod plans;
mod serve;
mod tokens;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    app,
    config::Settings,
    entities::organization,
    graphql,
    services::{Viewer, bootstrap},
};

#[derive(Parser)]
#[command(
    name = "tiltak",
    version,
    about = "Follow-up of the numbered actions of council-adopted plans"
)]
pub struct Cli {
    /// A configuration file layered over the built-in defaults (see config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the service (the default). On an empty database, creates the organization, an
    /// admin token and the example plan.
    Serve,
    /// Apply pending database migrations, or roll back the last N with --down.
    Migrate {
        #[arg(long, value_name = "N")]
        down: Option<u32>,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// List the plans with their ids (for --plan), titles and action counts.
    Plans,
    /// Import a plan from a Word document (.docx), a PDF, text, CSV, XLSX or a JSON export. Re-importing into a plan updates changed actions and never deletes.
    Import(import::ImportArgs),
    /// Export a plan as CSV (one row per action) or JSON.
    Export(plans::ExportArgs),
    /// Write the yearly follow-up report of a plan (the frozen version when there is one).
    Report(plans::ReportArgs),
    /// The scheduled jobs of the årshjul.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// The email outbox.
    Outbox {
        #[command(subcommand)]
        command: jobs::OutboxCommand,
    },
    /// The tamper-evident history: verify it, print its heads, re-seal it with the key.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Organizations (municipalities) sharing this deployment.
    Org {
        #[command(subcommand)]
        command: tokens::OrgCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: tokens::TokenCommand,
    },
}

/// Whether a command failed only because its output's reader closed the pipe: the command
/// then ends quietly, as `ls | head` does.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings.log);
    match command {
        Command::Serve => serve::serve(settings).await,
        Command::Migrate { down } => serve::migrate(&settings, down).await,
        Command::Schema => unreachable!("handled above"),
        Command::Plans => plans::plans(&settings).await,
        Command::Import(args) => import::import(&settings, args).await,
        Command::Export(args) => plans::export(&settings, args).await,
        Command::Report(args) => plans::report(&settings, args).await,
        Command::Jobs { command } => jobs::jobs(settings, command).await,
        Command::Outbox { command } => jobs::outbox(settings, command).await,
        Command::Audit { command } => audit::audit(&settings, command).await,
        Command::Org { command } => tokens::org(&settings, command).await,
        Command::Token { command } => tokens::token(&settings, command).await,
    }
}

/// The database, migrated (under the start-up lock, as `serve` and `migrate` do, when anything
/// is pending): every command but `migrate` itself starts here. A command runs one statement
/// at a time, so its pool holds one connection: with more, sqlx opens a second one for the
/// statement right after the first (a released connection returns to the pool in a task of
/// its own), a TLS handshake with PostgreSQL before every command.
async fn database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut settings = settings.clone();
    settings.database.max_connections = 1;
    let db = app::connect(&settings).await?;
    if !app::up_to_date(&db).await {
        let lock = app::StartupLock::acquire(&settings).await?;
        let migrated = app::migrate(&db).await;
        lock.release().await?;
        migrated?;
    }
    Ok(db)
}

/// The database and the organization's first admin, who acts for command-line work.
async fn command_line_viewer(settings: &Settings) -> anyhow::Result<(DatabaseConnection, Viewer)> {
    let db = database(settings).await?;
    let (organization, _) = bootstrap::ensure_organization(&db, settings, Utc::now()).await?;
    let viewer = bootstrap::first_admin(&db, organization.id).await?;
    Ok((db, viewer))
}

/// The organization `--org` names (its id or name); without it the first one, made if there
/// is none yet.
async fn organization(
    db: &DatabaseConnection,
    settings: &Settings,
    org: Option<String>,
) -> anyhow::Result<organization::Model> {
    Ok(match org {
        Some(key) => bootstrap::organization_by_id_or_name(db, &key).await?,
        None => bootstrap::ensure_organization(db, settings, Utc::now()).await?.0,
    })
}

/// Parses `--plan`: a plan's id, which `tiltak plans` lists.
fn parse_plan_id(value: &str) -> Result<Uuid, String> {
    Uuid::parse_str(value.trim()).map_err(|_| {
        format!("{value:?} is not a plan id: --plan takes the id (a UUID) that `tiltak plans` lists next to each title")
    })
}

/// Parses `--at`: an RFC 3339 moment such as 2026-01-15T08:00:00+01:00.
fn parse_at(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{value:?} is not an RFC 3339 time such as 2026-01-15T08:00:00+01:00: {e}"))
}
