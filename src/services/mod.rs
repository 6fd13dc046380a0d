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
pub(crate) mod kept;
pub mod live;
pub mod org;
pub mod outbox;
pub mod pages;
pub mod plans;
pub mod reminders;
pub mod reports;
pub mod revisions;
pub(crate) mod rows;

pub use auth::Viewer;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PrimaryKeyTrait, QueryResult, TryGetError};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Longest title, name or reference; longest description or comment.
pub const MAX_NAME: usize = 300;
pub const MAX_TEXT: usize = 10_000;

/// The right side of a LEFT JOIN, read strictly. sea-orm reads a joined row it cannot decode
/// (a status, kind or role this version does not know) as no row at all, which would leave it
/// out of a list without a word; read through `Joined`, only an all-NULL side (nothing matched)
/// is `None`, and a row that is there but does not decode is an error.
pub(crate) struct Joined<M>(pub M);

impl<M: FromQueryResult> FromQueryResult for Joined<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        M::from_query_result(res, pre).map(Joined)
    }

    fn from_query_result_optional(res: &QueryResult, pre: &str) -> Result<Option<Self>, DbErr> {
        match M::from_query_result_nullable(res, pre) {
            Ok(model) => Ok(Some(Joined(model))),
            Err(TryGetError::Null(_)) => Ok(None),
            Err(TryGetError::DbErr(err)) => Err(err),
        }
    }
}

/// The column prefixes sea-orm gives the first, second, third and fourth table of a joined
/// select (its `SelectA` … `SelectD`), for reading a join's rows by hand.
pub(crate) const JOINED: [&str; 4] = ["A_", "B_", "C_", "D_"];

/// Unwraps a `Joined` side.
pub(crate) fn joined<M>(side: Option<Joined<M>>) -> Option<M> {
    side.map(|Joined(model)| model)
}

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
