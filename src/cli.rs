//! The command line: `tiltak serve | migrate | schema | token create`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::{
    app::{self, Application},
    config::Settings,
    domain::Role,
    graphql,
    services::{auth, bootstrap, org},
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
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a person, creating the person if missing. The token is the last line of stdout.
    Create {
        #[arg(long)]
        email: String,
        /// admin | coordinator | unit-leader | viewer
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        name: Option<String>,
        /// The unit a unit leader leads.
        #[arg(long, value_name = "UNIT_ID")]
        unit: Option<Uuid>,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a role: use admin, coordinator, unit-leader or viewer"))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings.log.filter);
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate { down } => {
            let db = app::connect(&settings).await?;
            match down {
                Some(steps) => Migrator::down(&db, Some(steps))
                    .await
                    .context("rolling back migrations failed")?,
                None => app::migrate(&db).await?,
            }
            println!(
                "migrations: {} applied",
                Migrator::get_applied_migrations(&db).await?.len()
            );
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    role,
                    name,
                    unit,
                },
        } => {
            let db = app::connect(&settings).await?;
            app::migrate(&db).await?;
            let now = chrono::Utc::now();
            let (organization, _) = bootstrap::ensure_organization(&db, &settings, now).await?;
            let person = match org::person_by_email(&db, organization.id, &email).await? {
                Some(person) => {
                    if person.role != role.code() {
                        eprintln!(
                            "note: {} already exists with role {}; the role is unchanged",
                            person.email, person.role
                        );
                    }
                    person
                }
                None => {
                    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
                    org::insert_person(
                        &db,
                        organization.id,
                        now,
                        org::NewPerson {
                            name,
                            email,
                            role,
                            unit_id: unit,
                        },
                    )
                    .await?
                }
            };
            let token = auth::issue_token(&db, &person, now).await?;
            println!("token for {} ({}) in {}:", person.email, person.role, organization.name);
            println!("{token}");
            Ok(())
        }
        Command::Schema => unreachable!("handled above"),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.http.addr).await.with_context(|| {
        format!(
            "cannot listen on {} (set TILTAK_HTTP__ADDR to another address)",
            settings.http.addr
        )
    })?;
    let application = Application::build(settings, listener).await?;
    let first = bootstrap::first_start(&application.state.db, &application.state.settings, chrono::Utc::now()).await?;
    let url = application.public_url();
    println!("tiltak is running: open {url}/graphql");
    if let Some(first) = first {
        println!();
        println!(
            "First start: created {} with an admin ({}).",
            first.organization.name,
            bootstrap::FIRST_ADMIN_EMAIL
        );
        println!("Admin token (shown once; make more with `tiltak token create`):");
        println!("  {}", first.admin_token);
        println!("In GraphiQL, open Headers and paste:");
        println!("  {{\"Authorization\": \"Bearer {}\"}}", first.admin_token);
    }
    application.run_until_stopped().await
}
