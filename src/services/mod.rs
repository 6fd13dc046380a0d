//! Use cases. Each takes the database, the viewer and parsed input, checks permission, owns
//! its transaction, and writes history rows together with the change.

pub mod actions;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod calendar;
pub mod evaluations;
pub mod history;
pub mod imports;
pub mod jobs;
pub mod live;
pub mod org;
pub mod outbox;
pub mod pages;
pub mod plans;
pub mod reminders;
pub mod reports;
pub mod revisions;

pub use auth::Viewer;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Longest title, name or reference; longest description or comment.
pub const MAX_NAME: usize = 300;
pub const MAX_TEXT: usize = 10_000;

/// Loads a row by id that must belong to the viewer's organization; any other row is
/// reported as not found, so ids of other organizations reveal nothing.
pub(crate) async fn find_in_org<E, C>(
    db: &C,
    org_of: fn(&E::Model) -> Uuid,
    organization_id: Uuid,
    entity_name: &'static str,
    id: Uuid,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    C: ConnectionTrait,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .filter(|row| org_of(row) == organization_id)
        .ok_or_else(|| AppError::not_found(entity_name, id))
}

/// When a row is archived after a change asking `archived`: the first archiving's moment is
/// kept, and bringing it back clears it.
pub(crate) fn archived_at(
    archived: Option<bool>,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match (archived, current) {
        (Some(true), None) => Some(now),
        (Some(false), _) => None,
        (_, current) => current,
    }
}
