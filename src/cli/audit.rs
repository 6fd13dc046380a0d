//! `tiltak audit verify | head | reseal`.

use clap::Subcommand;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::database;
use crate::{
    audit_key::AuditKey,
    config::Settings,
    services::{audit, bootstrap},
};

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

pub(super) async fn audit(settings: &Settings, command: AuditCommand) -> anyhow::Result<()> {
    let key = AuditKey::load(&settings.audit)?;
    let db = database(settings).await?;
    match command {
        AuditCommand::Verify { org, heads } => verify(&db, &key, org, &heads).await,
        AuditCommand::Head { org } => head(&db, org).await,
        AuditCommand::Reseal => reseal(&db, &key).await,
    }
}

/// The organization `--org` names; without it, every organization.
async fn only(db: &DatabaseConnection, org: Option<String>) -> anyhow::Result<Option<Uuid>> {
    Ok(match org {
        Some(org) => Some(bootstrap::organization_by_id_or_name(db, &org).await?.id),
        None => None,
    })
}

async fn verify(
    db: &DatabaseConnection,
    key: &AuditKey,
    org: Option<String>,
    heads: &[audit::Head],
) -> anyhow::Result<()> {
    let verification = audit::verify(db, key, only(db, org).await?, heads).await?;
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
    say!(
        "audit: {} events in {} organizations, every chain intact and keyed; {} frozen report heads and {} \
         given heads on their chains",
        verification.events,
        verification.organizations,
        verification.report_heads,
        heads.len()
    );
    for org in &verification.heads {
        say!("  {}: head {}", org.organization, org.head);
    }
    Ok(())
}

async fn head(db: &DatabaseConnection, org: Option<String>) -> anyhow::Result<()> {
    for org in audit::heads(db, only(db, org).await?).await? {
        say!("{}  {}", org.head, org.organization);
    }
    Ok(())
}

async fn reseal(db: &DatabaseConnection, key: &AuditKey) -> anyhow::Result<()> {
    match audit::reseal(db, key).await? {
        Ok(resealed) if resealed.is_empty() => {
            say!("audit: every chain is keyed already; nothing to re-seal");
            Ok(())
        }
        Ok(resealed) => {
            for chain in &resealed {
                say!(
                    "audit: re-sealed {} with the key: {} events ({} of them legacy, accepted as they stood), \
                     {} frozen reports; new head {}",
                    chain.organization,
                    chain.head.events,
                    chain.legacy_events,
                    chain.reports,
                    chain.head
                );
            }
            say!("heads taken before the re-seal no longer match: keep these new ones");
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
    }
}
