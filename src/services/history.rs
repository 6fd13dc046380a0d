//! The tamper-evident history. Each event stores the hash of the event before it (in its
//! organization) and a SHA-256 over that hash and its own content, so changing, removing or
//! reordering any stored event breaks the chain from there on; `tiltak audit verify` walks it.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::LockType,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    entities::{action_event, organization},
    error::{AppError, AppResult},
};

/// The hash the first event of an organization links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to append.
pub struct NewEvent {
    pub organization_id: Uuid,
    pub action_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub comment: Option<String>,
}

/// SHA-256 over the previous hash and the event's content, as canonical JSON. The same
/// function is in the migration that sealed events written before the chain existed.
pub fn event_hash(
    prev: &str,
    organization_id: Uuid,
    action_id: Uuid,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    comment: Option<&str>,
) -> String {
    let content = serde_json::json!([
        prev,
        organization_id,
        action_id,
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        actor_id,
        kind,
        from,
        to,
        comment
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

fn hash_of(event: &action_event::Model, prev: &str) -> String {
    event_hash(
        prev,
        event.organization_id,
        event.action_id,
        event.at,
        event.actor_id,
        &event.kind,
        event.from_value.as_deref(),
        event.to_value.as_deref(),
        event.comment.as_deref(),
    )
}

/// Appends events to their organization's chain, inside the caller's transaction. On
/// PostgreSQL the organization row is locked first (FOR NO KEY UPDATE, which does not block the
/// key-share locks that inserts referencing the organization take), so concurrent writers chain
/// one after the other; SQLite has a single writer anyway.
pub async fn append(txn: &impl ConnectionTrait, events: Vec<NewEvent>) -> AppResult<Vec<action_event::Model>> {
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            organization::Entity::find_by_id(event.organization_id)
                .lock(LockType::NoKeyUpdate)
                .one(txn)
                .await?;
        }
        let prev = match action_event::Entity::find()
            .filter(action_event::Column::OrganizationId.eq(event.organization_id))
            .order_by_desc(action_event::Column::Id)
            .one(txn)
            .await?
        {
            None => GENESIS.to_owned(),
            Some(last) => last.hash.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "history event {} has no hash: the chain cannot be continued (run `tiltak audit verify`)",
                    last.id
                ))
            })?,
        };
        // Stored to the microsecond, as PostgreSQL keeps it, so the hash reads back the same.
        let at = event.at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(event.at);
        let hash = event_hash(
            &prev,
            event.organization_id,
            event.action_id,
            at,
            event.actor_id,
            &event.kind,
            event.from.as_deref(),
            event.to.as_deref(),
            event.comment.as_deref(),
        );
        let row = action_event::ActiveModel {
            organization_id: Set(event.organization_id),
            action_id: Set(event.action_id),
            at: Set(at),
            actor_id: Set(event.actor_id),
            kind: Set(event.kind),
            from_value: Set(event.from),
            to_value: Set(event.to),
            comment: Set(event.comment),
            prev_hash: Set(Some(prev)),
            hash: Set(Some(hash)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        written.push(row);
    }
    Ok(written)
}

/// Where a chain is broken.
#[derive(Debug)]
pub struct Broken {
    pub event_id: i64,
    pub action_id: Uuid,
    pub organization_id: Uuid,
    pub reason: &'static str,
}

/// What a verification covered, and each organization's latest hash: kept somewhere outside
/// the database (a report, an email), it shows later that the chain was not rewritten whole.
#[derive(Debug, Default)]
pub struct Verified {
    pub organizations: usize,
    pub events: usize,
    pub heads: Vec<(String, String)>,
}

/// Walks every organization's chain in order; the first broken event, if any.
pub async fn verify(db: &DatabaseConnection) -> AppResult<Result<Verified, Broken>> {
    let mut verified = Verified::default();
    for organization in organization::Entity::find()
        .order_by_asc(organization::Column::CreatedAt)
        .all(db)
        .await?
    {
        verified.organizations += 1;
        let mut prev = GENESIS.to_owned();
        let mut after = 0_i64;
        loop {
            let page = action_event::Entity::find()
                .filter(action_event::Column::OrganizationId.eq(organization.id))
                .filter(action_event::Column::Id.gt(after))
                .order_by_asc(action_event::Column::Id)
                .limit(1000)
                .all(db)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for event in page {
                let broken = |reason| Broken {
                    event_id: event.id,
                    action_id: event.action_id,
                    organization_id: event.organization_id,
                    reason,
                };
                if event.prev_hash.as_deref() != Some(prev.as_str()) {
                    return Ok(Err(broken(
                        "it does not link to the event before it (an event was removed, added or reordered)",
                    )));
                }
                let expected = hash_of(&event, &prev);
                if event.hash.as_deref() != Some(expected.as_str()) {
                    return Ok(Err(broken(
                        "its content does not match its hash (it was changed after it was written)",
                    )));
                }
                prev = expected;
                verified.events += 1;
            }
        }
        verified.heads.push((organization.name, prev));
    }
    Ok(Ok(verified))
}
