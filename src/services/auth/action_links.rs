//! The reminder email's links: one per recipient and action, so a unit leader can record an
//! update without signing in. A link reaches that one action and nothing else, opens no
//! session, and works while it is unexpired, unrevoked and the recipient still leads the
//! action's responsible (or a contributing) unit. Opening it (GET, HEAD, a mail scanner)
//! changes nothing; the page's form does.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{Permission, Relation, Viewer, authorize, hash_token, new_token};
use crate::{
    domain::{Role, Via},
    entities::{action, action_contributor, action_link, unit},
    error::{AppError, AppResult},
    services::org::{self, NewPerson},
};

/// Makes a link for one recipient and one action; returns its secret.
#[tracing::instrument(skip_all, fields(org = %organization_id, action = %action_id))]
pub async fn issue(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    action_id: Uuid,
    recipient_email: &str,
    now: DateTime<Utc>,
    valid_for: Duration,
) -> AppResult<String> {
    let (token, token_hash) = new_token();
    action_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization_id),
        action_id: Set(action_id),
        recipient_email: Set(recipient_email.trim().to_lowercase()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(now + valid_for),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A link to make: for whom, to which action, until when.
pub struct NewLink<'a> {
    pub organization_id: Uuid,
    pub action_id: Uuid,
    pub recipient_email: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Makes many links at once, in batched inserts (a job run's unit leader items); returns
/// their secrets in the same order.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn issue_many(
    db: &impl ConnectionTrait,
    links: &[NewLink<'_>],
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    /// Rows per INSERT: eight values each, well within either database's limit.
    const BATCH: usize = 500;
    let mut tokens = Vec::with_capacity(links.len());
    for batch in links.chunks(BATCH) {
        let rows: Vec<action_link::ActiveModel> = batch
            .iter()
            .map(|link| {
                let (token, token_hash) = new_token();
                tokens.push(token);
                action_link::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    organization_id: Set(link.organization_id),
                    action_id: Set(link.action_id),
                    recipient_email: Set(link.recipient_email.trim().to_lowercase()),
                    token_hash: Set(token_hash),
                    created_at: Set(now),
                    expires_at: Set(link.expires_at),
                    revoked_at: Set(None),
                }
            })
            .collect();
        action_link::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(tokens)
}

/// What a working link allows: updating `action` as the leader of `unit`.
#[derive(Debug, Clone)]
pub struct Grant {
    pub action: action::Model,
    pub unit: unit::Model,
    pub email: String,
}

fn refused() -> AppError {
    AppError::Unauthenticated("the link is unknown, expired or revoked, or you no longer lead the unit".into())
}

/// The grant behind a link, if it works now. Reads only.
#[tracing::instrument(skip_all)]
pub async fn open(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> AppResult<Grant> {
    let link = action_link::Entity::find()
        .filter(action_link::Column::TokenHash.eq(hash_token(token.trim())))
        .one(db)
        .await?
        .ok_or_else(refused)?;
    if link.revoked_at.is_some() || link.expires_at <= now {
        return Err(refused());
    }
    let action = action::Entity::find_by_id(link.action_id)
        .one(db)
        .await?
        .filter(|a| a.organization_id == link.organization_id)
        .ok_or_else(refused)?;
    let mut unit_ids: Vec<Uuid> = action.responsible_unit_id.into_iter().collect();
    unit_ids.extend(
        action_contributor::Entity::find()
            .filter(action_contributor::Column::ActionId.eq(action.id))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.unit_id),
    );
    let units = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids.clone()))
        .filter(unit::Column::OrganizationId.eq(link.organization_id))
        .all(db)
        .await?;
    let person = org::person_by_email(db, link.organization_id, &link.recipient_email).await?;
    // The recipient leads a unit of the action as the policy says a unit leader does (by the
    // unit's leader email, or by being given the unit in tiltak); the responsible unit first.
    let given = person.filter(|p| p.role == Role::UnitLeader).and_then(|p| p.unit_id);
    let led = super::policy::led_by(db, link.organization_id, &link.recipient_email, given).await?;
    let unit = unit_ids
        .iter()
        .find_map(|id| units.iter().find(|u| u.id == *id && led.iter().any(|l| l.id == u.id)))
        .cloned()
        .ok_or_else(refused)?;
    Ok(Grant {
        action,
        unit,
        email: link.recipient_email,
    })
}

/// The viewer that records a change through a link: the recipient as the unit's leader, with
/// `via` noted on the history. A leader who is not yet a person in tiltak becomes one (a unit
/// leader of that unit), so the history names who made the change.
#[tracing::instrument(skip_all)]
pub async fn viewer(db: &impl ConnectionTrait, grant: &Grant, now: DateTime<Utc>) -> AppResult<Viewer> {
    let organization_id = grant.action.organization_id;
    let person = match org::person_by_email(db, organization_id, &grant.email).await? {
        Some(person) => person,
        None => {
            org::insert_person(
                db,
                organization_id,
                now,
                NewPerson {
                    name: grant.unit.leader_name.clone(),
                    email: grant.email.clone(),
                    role: Role::UnitLeader,
                    unit_id: Some(grant.unit.id),
                },
            )
            .await?
        }
    };
    Ok(Viewer {
        role: Role::UnitLeader,
        unit_id: Some(grant.unit.id),
        via: Some(Via::EmailLink),
        graphql_csrf: None,
        ..Viewer::of(person)?
    })
}

/// Revokes every email link sent to an address in the viewer's organization (a leader who
/// left, a forwarded email); returns how many.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn revoke(db: &DatabaseConnection, viewer: &Viewer, email: &str, now: DateTime<Utc>) -> AppResult<u64> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let revoked = action_link::Entity::update_many()
        .col_expr(action_link::Column::RevokedAt, Expr::value(now))
        .filter(action_link::Column::OrganizationId.eq(viewer.organization_id))
        .filter(action_link::Column::RecipientEmail.eq(email.trim().to_lowercase()))
        .filter(action_link::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(revoked.rows_affected)
}
