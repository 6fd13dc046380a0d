//! `tiltak org create` and `tiltak token create | list | revoke`.

use chrono::Utc;
use clap::Subcommand;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::database;
use crate::{
    config::Settings,
    domain::Role,
    entities::organization,
    services::{
        auth::{self, TokenState},
        bootstrap, org,
    },
};

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

pub(super) async fn org(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    let OrgCommand::Create { name } = command;
    let db = database(settings).await?;
    let organization = bootstrap::create_organization(&db, &name, Utc::now()).await?;
    say!("organization {} created: {}", organization.name, organization.id);
    say!(
        "make its first admin with `tiltak token create --org {} --email … --role admin`",
        organization.id
    );
    Ok(())
}

pub(super) async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let db = database(settings).await?;
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
            let organization = super::organization(&db, settings, org).await?;
            let holder = org::TokenHolder {
                email,
                role,
                name,
                unit_id: unit,
                change_role,
            };
            create(&db, &organization, holder, expires_in_days).await
        }
        TokenCommand::List { org } => list(&db, &super::organization(&db, settings, org).await?).await,
        TokenCommand::Revoke { id, org } => revoke(&db, id, org).await,
    }
}

async fn create(
    db: &DatabaseConnection,
    organization: &organization::Model,
    holder: org::TokenHolder,
    expires_in_days: Option<u32>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let person = org::token_holder(db, organization.id, now, holder).await?;
    let expires_at = expires_in_days.map(|days| now + chrono::Duration::days(i64::from(days)));
    let token = auth::issue_token(db, &person, now, expires_at).await?;
    let until = expires_at.map_or_else(|| "no expiry".to_owned(), |at| format!("expires {}", at.to_rfc3339()));
    say!(
        "token for {} <{}> ({}) in {}, {until}:",
        person.name,
        person.email,
        person.role,
        organization.name
    );
    say!("{token}");
    Ok(())
}

async fn list(db: &DatabaseConnection, organization: &organization::Model) -> anyhow::Result<()> {
    let now = Utc::now();
    say!(
        "{:<36}  {:<28} {:<12} {:<25} {:<25} STATE",
        "ID",
        "PERSON",
        "ROLE",
        "CREATED",
        "LAST USED"
    );
    for info in auth::tokens(db, organization.id).await? {
        let t = &info.token;
        let state = match auth::token_state(t, now) {
            TokenState::Revoked(at) => format!("revoked {}", at.to_rfc3339()),
            TokenState::Expired(at) => format!("expired {}", at.to_rfc3339()),
            TokenState::Valid(Some(at)) => format!("valid until {}", at.to_rfc3339()),
            TokenState::Valid(None) => "valid".to_owned(),
        };
        say!(
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

async fn revoke(db: &DatabaseConnection, id: Uuid, org: Option<String>) -> anyhow::Result<()> {
    // Without --org the token is found wherever it is: a leaked token should be quick to stop.
    let organization_id = match org {
        Some(key) => bootstrap::organization_by_id_or_name(db, &key).await?.id,
        None => auth::token_organization(db, id).await?,
    };
    let token = auth::revoke_token(db, organization_id, id, Utc::now()).await?;
    say!("token {} revoked", token.id);
    Ok(())
}
