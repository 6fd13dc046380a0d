//! `tiltak jobs list | run` and `tiltak outbox dispatch`.

use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::{database, parse_at};
use crate::{
    audit_key::AuditKey,
    clock::Clock,
    config::Settings,
    domain::{JobOutcome, OSLO},
    jobs::{self, Job},
    mail::Mailer,
    services::outbox,
    state::AppState,
};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// List the jobs, their cron expressions, next runs and latest recorded runs.
    List,
    /// Run a job now, or as of --at (for operators and tests). Each job runs once per moment:
    /// a second run for the same moment does nothing.
    Run {
        /// deadline-reminders | weekly-digest | annual-evaluation | plan-revision
        #[arg(value_parser = |s: &str| s.parse::<Job>())]
        name: Job,
        /// The moment the job runs as of (RFC 3339); default now.
        #[arg(long, value_parser = parse_at)]
        at: Option<DateTime<Utc>>,
    },
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Send the messages that are due now, or as of --at, once.
    Dispatch {
        #[arg(long, value_parser = parse_at)]
        at: Option<DateTime<Utc>>,
    },
}

pub(super) async fn jobs(settings: Settings, command: JobsCommand) -> anyhow::Result<()> {
    let state = offline_state(settings).await?;
    match command {
        JobsCommand::List => list(&state).await,
        JobsCommand::Run { name, at } => run(&state, name, at.unwrap_or_else(Utc::now)).await,
    }
}

async fn list(state: &AppState) -> anyhow::Result<()> {
    let now = Utc::now();
    let defined = jobs::Jobs::from_settings(&state.settings)?;
    say!(
        "{:<20} {:<22} {:<27} LAST RUN",
        "JOB",
        "SCHEDULE",
        "NEXT RUN (Europe/Oslo)"
    );
    for (job, schedule) in &defined.0 {
        let next = schedule
            .next_after(now)
            .map(|t| t.with_timezone(&OSLO).format("%Y-%m-%d %H:%M %Z").to_string())
            .unwrap_or_else(|| "never".into());
        let last = jobs::runs(&state.db, Some(*job), 1, None)
            .await?
            .into_iter()
            .next()
            .map_or_else(
                || "never".to_owned(),
                |run| format!("{} {} ({})", run.scheduled_for.to_rfc3339(), run.outcome, run.trigger),
            );
        say!("{:<20} {:<22} {next:<27} {last}", job.name(), schedule.to_string());
    }
    say!(
        "{:<20} {:<22} {:<27} -",
        jobs::OUTBOX_DISPATCH,
        format!("every {} s", state.settings.mail.dispatch_interval_seconds),
        "continuous"
    );
    Ok(())
}

async fn run(state: &AppState, name: Job, at: DateTime<Utc>) -> anyhow::Result<()> {
    match jobs::run(state, name, at, jobs::Trigger::Manual, &jobs::instance_name()).await? {
        Some(run) if run.outcome == JobOutcome::Succeeded => {
            say!("{name} as of {}: {}", at.to_rfc3339(), run.detail.unwrap_or_default());
            Ok(())
        }
        Some(run) => anyhow::bail!("{name} failed: {}", run.detail.unwrap_or_default()),
        None => {
            say!(
                "{name} as of {}: already ran for this moment; nothing done",
                at.to_rfc3339()
            );
            Ok(())
        }
    }
}

pub(super) async fn outbox(settings: Settings, command: OutboxCommand) -> anyhow::Result<()> {
    let OutboxCommand::Dispatch { at } = command;
    let state = offline_state(settings).await?;
    let mailer = Mailer::from_settings(&state.settings.mail)?;
    let at = at.unwrap_or_else(Utc::now);
    // A pass is bounded; passes follow each other while mail is still due.
    let mut done = outbox::Dispatched::default();
    loop {
        let pass = outbox::dispatch(&state.db, &mailer, &state.settings.mail, at).await?;
        done.sent += pass.sent;
        done.retrying += pass.retrying;
        done.failed += pass.failed;
        if !pass.more {
            break;
        }
    }
    say!(
        "outbox: {} sent, {} to retry, {} failed",
        done.sent,
        done.retrying,
        done.failed
    );
    if let Some((count, first)) = outbox::waiting(&state.db, at).await? {
        let first = first.with_timezone(&OSLO);
        say!(
            "{count} {} waiting, the first until {} (Oslo); run with --at {} to send them now",
            if count == 1 { "message" } else { "messages" },
            first.format("%Y-%m-%d %H:%M"),
            first.to_rfc3339()
        );
    }
    Ok(())
}

/// The database and settings without the HTTP server, for one-off commands.
async fn offline_state(settings: Settings) -> anyhow::Result<AppState> {
    jobs::Jobs::from_settings(&settings)?;
    let audit_key = AuditKey::load(&settings.audit)?;
    let db = database(&settings).await?;
    Ok(AppState::new(db, settings, audit_key, Clock::System))
}
