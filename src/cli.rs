//! The command line: `tiltak serve | migrate | schema | plans | import | export | report | jobs | outbox | audit | org | token`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::{
    app::{self, Application},
    audit_key::AuditKey,
    clock::Clock,
    config::Settings,
    domain::OSLO,
    domain::Role,
    graphql,
    import::{self, Format},
    jobs,
    mail::Mailer,
    report,
    services::{audit, auth, bootstrap, imports, org, outbox, plans, reports},
    state::AppState,
};
use chrono::{DateTime, Utc};

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
    /// Import a plan from a text document (PDF or Word converted to text), CSV, XLSX or a JSON
    /// export. Re-importing into a plan updates changed actions and never deletes.
    Import {
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
    },
    /// Export a plan as CSV (one row per action) or JSON.
    Export {
        #[arg(long, value_name = "ID", value_parser = parse_plan_id)]
        plan: Uuid,
        #[arg(long, value_parser = ["csv", "json"])]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write the yearly follow-up report of a plan (the frozen version when there is one).
    Report {
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
    },
    /// The scheduled jobs of the årshjul.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// The email outbox.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// The tamper-evident history: verify it, print its heads, re-seal it with the key.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Organizations (municipalities) sharing this deployment.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// List the jobs, their cron expressions, next runs and latest recorded runs.
    List,
    /// Run a job now, or as of --at (for operators and tests). Each job runs once per moment:
    /// a second run for the same moment does nothing.
    Run {
        /// deadline-reminders | weekly-digest | annual-evaluation | plan-revision
        #[arg(value_parser = |s: &str| s.parse::<jobs::Job>())]
        name: jobs::Job,
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

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk every organization's history chain with the audit key and check the chain heads
    /// recorded with frozen reports and any given with --head; exit non-zero naming each
    /// problem (a broken event, a missing head, a chain not keyed yet).
    Verify {
        /// Only this organization (id or name).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// A head kept outside the database, as `tiltak audit head` printed it; it must still
        /// be on the chain. Repeatable.
        #[arg(long = "head", value_name = "COUNT:HASH")]
        heads: Vec<audit::Head>,
    },
    /// Print each organization's chain head (event count and hash of the last event) as it
    /// stands, to keep outside the database and check later with `verify --head`.
    Head {
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// Re-seal with the audit key every chain still sealed with plain SHA-256 (a database
    /// from before the key), after checking it is otherwise intact; prints the new heads.
    /// Once, right after upgrading: never on a database that was keyed before.
    Reseal,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create another organization; its people and data are isolated from the others.
    Create { name: String },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a person, creating the person if missing. The token is the last line of stdout.
    Create {
        #[arg(long)]
        email: String,
        /// admin | coordinator | unit-leader | team-member | viewer
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        name: Option<String>,
        /// The unit a unit leader leads.
        #[arg(long, value_name = "UNIT_ID")]
        unit: Option<Uuid>,
        /// The organization (id or name); default: the first one.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// The token stops working after this many days.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
        /// Change an existing person's role (and unit) to --role (and --unit); without it a
        /// token is only made for the role the person already has.
        #[arg(long)]
        change_role: bool,
    },
    /// List the organization's tokens (never their secrets): person, role, created, last used, state.
    List {
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// Revoke a token by the id `token list` shows (in any organization unless --org is given).
    Revoke {
        id: Uuid,
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a role: use admin, coordinator, unit-leader, team-member or viewer"))
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
        Command::Serve => serve(settings).await,
        Command::Migrate { down } => {
            let db = app::connect(&settings).await?;
            let lock = app::StartupLock::acquire(&settings).await?;
            let migrated = match down {
                Some(steps) => Migrator::down(&db, Some(steps))
                    .await
                    .context("rolling back migrations failed"),
                None => app::migrate(&db).await,
            };
            lock.release().await?;
            migrated?;
            println!(
                "migrations: {} applied",
                Migrator::get_applied_migrations(&db).await?.len()
            );
            Ok(())
        }
        Command::Jobs { command } => {
            let state = offline_state(settings).await?;
            match command {
                JobsCommand::List => {
                    let now = Utc::now();
                    let defined = jobs::Jobs::from_settings(&state.settings)?;
                    println!(
                        "{:<20} {:<22} {:<27} LAST RUN",
                        "JOB", "SCHEDULE", "NEXT RUN (Europe/Oslo)"
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
                        println!("{:<20} {:<22} {next:<27} {last}", job.name(), schedule.to_string());
                    }
                    println!(
                        "{:<20} {:<22} {:<27} -",
                        jobs::OUTBOX_DISPATCH,
                        format!("every {} s", state.settings.mail.dispatch_interval_seconds),
                        "continuous"
                    );
                    Ok(())
                }
                JobsCommand::Run { name, at } => {
                    let at = at.unwrap_or_else(Utc::now);
                    match jobs::run(&state, name, at, jobs::Trigger::Manual, &jobs::instance_name()).await? {
                        Some(run) if run.outcome == "SUCCEEDED" => {
                            println!("{name} as of {}: {}", at.to_rfc3339(), run.detail.unwrap_or_default());
                            Ok(())
                        }
                        Some(run) => anyhow::bail!("{name} failed: {}", run.detail.unwrap_or_default()),
                        None => {
                            println!(
                                "{name} as of {}: already ran for this moment; nothing done",
                                at.to_rfc3339()
                            );
                            Ok(())
                        }
                    }
                }
            }
        }
        Command::Outbox {
            command: OutboxCommand::Dispatch { at },
        } => {
            let state = offline_state(settings).await?;
            let mailer = Mailer::from_settings(&state.settings.mail)?;
            let at = at.unwrap_or_else(Utc::now);
            let done = outbox::dispatch(&state.db, &mailer, &state.settings.mail, at).await?;
            println!(
                "outbox: {} sent, {} to retry, {} failed",
                done.sent, done.retrying, done.failed
            );
            if let Some((count, first)) = outbox::waiting(&state.db, at).await? {
                let first = first.with_timezone(&OSLO);
                println!(
                    "{count} {} waiting, the first until {} (Oslo); run with --at {} to send them now",
                    if count == 1 { "message" } else { "messages" },
                    first.format("%Y-%m-%d %H:%M"),
                    first.to_rfc3339()
                );
            }
            Ok(())
        }
        Command::Audit { command } => {
            let key = AuditKey::load(&settings.audit)?;
            let db = app::connect(&settings).await?;
            app::migrate(&db).await?;
            run_audit(&db, &key, command).await
        }
        Command::Org {
            command: OrgCommand::Create { name },
        } => {
            let db = app::connect(&settings).await?;
            app::migrate(&db).await?;
            let organization = bootstrap::create_organization(&db, &name, chrono::Utc::now()).await?;
            println!("organization {} created: {}", organization.name, organization.id);
            println!(
                "make its first admin with `tiltak token create --org {} --email … --role admin`",
                organization.id
            );
            Ok(())
        }
        Command::Token { command } => {
            let db = app::connect(&settings).await?;
            app::migrate(&db).await?;
            let now = chrono::Utc::now();
            let organization_of = |org: Option<String>| {
                let db = db.clone();
                let settings = settings.clone();
                async move {
                    anyhow::Ok(match org {
                        Some(key) => bootstrap::organization_by_id_or_name(&db, &key).await?,
                        None => bootstrap::ensure_organization(&db, &settings, now).await?.0,
                    })
                }
            };
            match command {
                TokenCommand::Create {
                    email,
                    role,
                    name,
                    unit,
                    org,
                    expires_in_days,
                    change_role,
                } => {
                    let organization = organization_of(org).await?;
                    let person = org::token_holder(
                        &db,
                        organization.id,
                        now,
                        org::TokenHolder {
                            email,
                            role,
                            name,
                            unit_id: unit,
                            change_role,
                        },
                    )
                    .await?;
                    let expires_at = expires_in_days.map(|days| now + chrono::Duration::days(i64::from(days)));
                    let token = auth::issue_token(&db, &person, now, expires_at).await?;
                    let until =
                        expires_at.map_or_else(|| "no expiry".to_owned(), |at| format!("expires {}", at.to_rfc3339()));
                    println!(
                        "token for {} <{}> ({}) in {}, {until}:",
                        person.name, person.email, person.role, organization.name
                    );
                    println!("{token}");
                    Ok(())
                }
                TokenCommand::List { org } => {
                    let organization = organization_of(org).await?;
                    println!(
                        "{:<36}  {:<28} {:<12} {:<25} {:<25} STATE",
                        "ID", "PERSON", "ROLE", "CREATED", "LAST USED"
                    );
                    for info in auth::tokens(&db, organization.id).await? {
                        let t = &info.token;
                        let state = if let Some(at) = t.revoked_at {
                            format!("revoked {}", at.to_rfc3339())
                        } else if let Some(at) = t.expires_at.filter(|at| *at <= now) {
                            format!("expired {}", at.to_rfc3339())
                        } else if let Some(at) = t.expires_at {
                            format!("valid until {}", at.to_rfc3339())
                        } else {
                            "valid".to_owned()
                        };
                        println!(
                            "{:<36}  {:<28} {:<12} {:<25} {:<25} {state}",
                            t.id,
                            info.person.email,
                            info.person.role,
                            t.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                            t.last_used_at
                                .map_or_else(|| "never".to_owned(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
                        );
                    }
                    Ok(())
                }
                TokenCommand::Revoke { id, org } => {
                    // Without --org the token is found wherever it is: a leaked token should be
                    // quick to stop.
                    let organization_id = match org {
                        Some(key) => bootstrap::organization_by_id_or_name(&db, &key).await?.id,
                        None => auth::token_organization(&db, id).await?,
                    };
                    let token = auth::revoke_token(&db, organization_id, id, now).await?;
                    println!("token {} revoked", token.id);
                    Ok(())
                }
            }
        }
        Command::Import {
            file,
            plan,
            title,
            format,
            section,
            dry_run,
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let format = format.unwrap_or_else(|| Format::from_path(&file));
            let key = AuditKey::load(&settings.audit)?;
            let (db, viewer) = command_line_viewer(&settings).await?;
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
        Command::Plans => {
            let (db, viewer) = command_line_viewer(&settings).await?;
            let plans = plans::plans(&db, &viewer, None).await?;
            if plans.is_empty() {
                println!("no plans yet: import one with `tiltak import FILE --title TITLE`");
            } else {
                println!("{:<36}  {:>7}  TITLE", "ID", "ACTIONS");
            }
            for plan in plans {
                let actions = plans::progress(&db, &plan).await?.overall.total;
                let archived = if plan.archived_at.is_some() { " (arkivert)" } else { "" };
                println!("{:<36}  {actions:>7}  {}{archived}", plan.id, plan.title);
            }
            Ok(())
        }
        Command::Export { plan, format, out } => {
            let (db, viewer) = command_line_viewer(&settings).await?;
            let document = imports::export(&db, &viewer, plan).await?;
            let text = match format.as_str() {
                "csv" => import::table::write_csv(&document),
                _ => serde_json::to_string_pretty(&document)? + "\n",
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Report {
            plan,
            year,
            format,
            unit,
            team,
            out,
        } => {
            let (db, viewer) = command_line_viewer(&settings).await?;
            let view = match (unit, team) {
                (Some(unit), _) => reports::View::Unit(unit),
                (None, Some(team)) => reports::View::Team(team),
                (None, None) => reports::View::Plan,
            };
            let year_report = reports::report(&db, &viewer, plan, year, view).await?;
            let bytes = format.render(&year_report.report);
            match out {
                Some(path) => {
                    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
                    let state = if year_report.frozen.is_some() { "frozen" } else { "live" };
                    eprintln!("{} ({state}, sha256 {})", path.display(), year_report.hash);
                }
                None if format == report::Format::Docx => {
                    anyhow::bail!("a docx report is binary: give --out FILE")
                }
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
            Ok(())
        }
        Command::Schema => unreachable!("handled above"),
    }
}

async fn run_audit(db: &sea_orm::DatabaseConnection, key: &AuditKey, command: AuditCommand) -> anyhow::Result<()> {
    let organization = |org: Option<String>| async move {
        anyhow::Ok(match org {
            Some(org) => Some(bootstrap::organization_by_id_or_name(db, &org).await?.id),
            None => None,
        })
    };
    match command {
        AuditCommand::Verify { org, heads } => {
            let only = organization(org).await?;
            let verification = audit::verify(db, key, only, &heads).await?;
            if !verification.intact() {
                for problem in &verification.problems {
                    eprintln!("{problem}");
                }
                anyhow::bail!(
                    "the history did not verify: {} problem(s) in {} events of {} organization(s)",
                    verification.problems.len(),
                    verification.events,
                    verification.organizations
                );
            }
            println!(
                "audit: {} events in {} organizations, every chain intact and keyed; {} frozen report heads and {} \
                 given heads on their chains",
                verification.events,
                verification.organizations,
                verification.report_heads,
                heads.len()
            );
            for org in &verification.heads {
                println!("  {}: head {}", org.organization, org.head);
            }
            Ok(())
        }
        AuditCommand::Head { org } => {
            for org in audit::heads(db, organization(org).await?).await? {
                println!("{}  {}", org.head, org.organization);
            }
            Ok(())
        }
        AuditCommand::Reseal => match audit::reseal(db, key).await? {
            Ok(resealed) if resealed.is_empty() => {
                println!("audit: every chain is keyed already; nothing to re-seal");
                Ok(())
            }
            Ok(resealed) => {
                for chain in &resealed {
                    println!(
                        "audit: re-sealed {} with the key: {} events ({} of them legacy, accepted as they stood), \
                         {} frozen reports; new head {}",
                        chain.organization, chain.head.events, chain.legacy_events, chain.reports, chain.head
                    );
                }
                println!("heads taken before the re-seal no longer match: keep these new ones");
                Ok(())
            }
            Err(problems) => {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                anyhow::bail!(
                    "nothing was re-sealed: the history must be intact apart from its plain SHA-256 hashes, or \
                     re-sealing would make a tampered history look intact"
                )
            }
        },
    }
}

/// The database and the organization's first admin, who acts for command-line work.
async fn command_line_viewer(
    settings: &Settings,
) -> anyhow::Result<(sea_orm::DatabaseConnection, crate::services::Viewer)> {
    let db = app::connect(settings).await?;
    app::migrate(&db).await?;
    let (organization, _) = bootstrap::ensure_organization(&db, settings, chrono::Utc::now()).await?;
    let viewer = bootstrap::first_admin(&db, organization.id).await?;
    Ok((db, viewer))
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

/// The database and settings without the HTTP server, for one-off commands.
async fn offline_state(settings: Settings) -> anyhow::Result<AppState> {
    jobs::Jobs::from_settings(&settings)?;
    let audit_key = AuditKey::load(&settings.audit)?;
    let db = app::connect(&settings).await?;
    app::migrate(&db).await?;
    Ok(AppState::new(db, settings, audit_key, Clock::System))
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.http.addr).await.with_context(|| {
        format!(
            "cannot listen on {} (set TILTAK_HTTP__ADDR to another address)",
            settings.http.addr
        )
    })?;
    let application = Application::build(settings, listener).await?;
    let lock = app::StartupLock::acquire(&application.state.settings).await?;
    let first = bootstrap::first_start(
        &application.state.db,
        &application.state.audit_key,
        &application.state.settings,
        chrono::Utc::now(),
    )
    .await;
    lock.release().await?;
    let first = first?;
    let url = application.public_url();
    println!("tiltak is running: open {url}/");
    if let Some(first) = first {
        println!();
        println!(
            "First start: created {} with an admin ({}).",
            first.organization.name,
            bootstrap::FIRST_ADMIN_EMAIL
        );
        println!(
            "Sign in as the admin (a one-time link, for {} hours):",
            application.state.settings.web.first_sign_in_link_hours
        );
        println!("  {url}/logg-inn/{}", first.admin_sign_in);
        println!("Admin token (shown once; make more with `tiltak token create`):");
        println!("  {}", first.admin_token);
        println!("For GraphQL ({url}/graphql), send it as \"Authorization: Bearer <token>\".");
    }
    let state = application.state.clone();
    let jobs = jobs::Jobs::from_settings(&state.settings)?;
    let mailer = Mailer::from_settings(&state.settings.mail)?;
    // SIGTERM or Ctrl-C: stop accepting, let requests and the background rounds under way
    // finish (a dispatch sends or releases what it claimed), then exit.
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app::cancel_on_signal(stop.clone()));
    let background = jobs::spawn_background(state.clone(), jobs, mailer, stop.clone());
    application.run_until(stop.clone()).await?;
    stop.cancel();
    let lease = std::time::Duration::from_secs(state.settings.mail.send_lease_seconds.max(1) as u64);
    if tokio::time::timeout(lease, futures_util::future::join_all(background))
        .await
        .is_err()
    {
        tracing::warn!("background work still running {lease:?} after the signal; its claims expire on their own");
    }
    tracing::info!("stopped");
    Ok(())
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
