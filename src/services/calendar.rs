//! The årshjul as an iCalendar feed (RFC 5545): deadlines, evaluation windows and revision
//! dates of one plan or one unit, at a URL whose secret is the only credential, so Outlook
//! and other calendar programs can subscribe.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, EventLike};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize};
use super::{Viewer, auth, find_in_org, reminders::Catalog};
use crate::{
    domain::{EvaluationStatus, RevisionStatus},
    entities::{action, calendar_feed, evaluation, organization, plan, revision, unit},
    error::{AppError, AppResult},
};

/// What a feed covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Plan(Uuid),
    Unit(Uuid),
}

/// Creates a feed and returns it with its URL, which holds the secret and is shown once.
/// Anyone who may read the plan or unit may subscribe to it.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn create_feed(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
    scope: Scope,
) -> AppResult<(calendar_feed::Model, String)> {
    let org = viewer.organization_id;
    let (plan_id, unit_id) = match scope {
        Scope::Plan(id) => (
            Some(
                find_in_org::<plan::Entity, _>(db, |p| p.organization_id, org, "plan", id)
                    .await?
                    .id,
            ),
            None,
        ),
        Scope::Unit(id) => (
            None,
            Some(
                find_in_org::<unit::Entity, _>(db, |u| u.organization_id, org, "unit", id)
                    .await?
                    .id,
            ),
        ),
    };
    let (secret, hash) = auth::new_token();
    let feed = calendar_feed::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(org),
        token_hash: Set(hash),
        plan_id: Set(plan_id),
        unit_id: Set(unit_id),
        created_by: Set(viewer.person_id),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    let url = format!("{}/calendar/{secret}.ics", base_url.trim_end_matches('/'));
    Ok((feed, url))
}

/// Revokes a feed: its URL stops working. By its creator or an admin.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, feed = %id))]
pub async fn revoke_feed(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
) -> AppResult<calendar_feed::Model> {
    let feed =
        find_in_org::<calendar_feed::Entity, _>(db, |f| f.organization_id, viewer.organization_id, "calendarFeed", id)
            .await?;
    let relation = if feed.created_by == viewer.person_id {
        Relation::Created
    } else {
        Relation::None
    };
    authorize(viewer, Permission::RevokeCalendarFeed, relation)?;
    let mut row: calendar_feed::ActiveModel = feed.into();
    row.revoked_at = Set(Some(now));
    Ok(row.update(db).await?)
}

/// The viewer's own calendar feeds, oldest first.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn feeds(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Vec<calendar_feed::Model>> {
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::Column::OrganizationId.eq(viewer.organization_id))
        .filter(calendar_feed::Column::CreatedBy.eq(viewer.person_id))
        .order_by_asc(calendar_feed::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The feed's calendar for a secret from its URL; `NotFound` for an unknown or revoked one.
#[tracing::instrument(skip_all)]
pub async fn render(db: &DatabaseConnection, base_url: &str, secret: &str) -> AppResult<String> {
    let feed = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(auth::hash_token(secret)))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("calendar feed", "(secret)"))?;
    let organization = organization::Entity::find_by_id(feed.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", feed.organization_id))?;
    let org_name = organization.name.clone();
    let catalog = Catalog::load(db, organization, base_url).await?;

    let mut actions = action::Entity::find_active().filter(action::Column::OrganizationId.eq(feed.organization_id));
    let mut evaluations =
        evaluation::Entity::find().filter(evaluation::Column::OrganizationId.eq(feed.organization_id));
    let mut revisions = revision::Entity::find()
        .filter(revision::Column::OrganizationId.eq(feed.organization_id))
        .filter(revision::Column::Status.eq(RevisionStatus::Open));
    let name = match (feed.plan_id, feed.unit_id) {
        (Some(plan_id), _) => {
            actions = actions.filter(action::Column::PlanId.eq(plan_id));
            evaluations = evaluations.filter(evaluation::Column::PlanId.eq(plan_id));
            revisions = revisions.filter(revision::Column::PlanId.eq(plan_id));
            catalog
                .plans()
                .find(|p| p.id == plan_id)
                .map(|p| p.title.clone())
                .unwrap_or_default()
        }
        (None, Some(unit_id)) => {
            actions = actions.filter(action::Column::ResponsibleUnitId.eq(unit_id));
            evaluations = evaluations.filter(evaluation::Column::UnitId.eq(unit_id));
            revisions = revisions.filter(revision::Column::UnitId.eq(unit_id));
            unit::Entity::find_by_id(unit_id)
                .one(db)
                .await?
                .map(|u| u.name)
                .unwrap_or_default()
        }
        (None, None) => String::new(),
    };
    let actions: HashMap<Uuid, action::Model> = actions.all(db).await?.into_iter().map(|a| (a.id, a)).collect();

    let mut calendar = Calendar::new();
    calendar
        .name(&format!("Årshjul: {name} ({org_name})"))
        .description("Frister, evalueringer og rulleringer fra tiltak")
        .ttl(&chrono::Duration::hours(1));
    let mut sorted: Vec<&action::Model> = actions.values().collect();
    sorted.sort_by_key(|a| (a.deadline, a.id));
    for action in sorted {
        let Some(deadline) = action.deadline else { continue };
        let item = catalog.item(action, None);
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("deadline-{}@tiltak", action.id))
                .timestamp(action.updated_at)
                .summary(&format!("Frist: tiltak {} {}", item.number, item.title))
                .description(&format!(
                    "{}\nAnsvarlig: {}\nStatus: {}\n{}",
                    item.plan, item.unit, item.status, item.link
                ))
                .url(&item.link)
                .starts(deadline)
                .ends(next_day(deadline))
                .done(),
        );
    }
    for evaluation in evaluations.all(db).await? {
        let Some(action) = actions.get(&evaluation.action_id) else {
            continue;
        };
        let item = catalog.item(action, None);
        let state = match evaluation.status {
            EvaluationStatus::Submitted => "sendt inn",
            EvaluationStatus::Overdue => "forsinket",
            EvaluationStatus::Open => "åpen",
        };
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("evaluation-{}@tiltak", evaluation.id))
                .timestamp(evaluation.submitted_at.unwrap_or(evaluation.created_at))
                .summary(&format!(
                    "Evaluering {}: tiltak {} {}",
                    evaluation.year, item.number, item.title
                ))
                .description(&format!(
                    "Evalueringen er {state}. Frist {}.\n{}",
                    super::reminders::date(evaluation.due_on),
                    item.link
                ))
                .url(&item.link)
                .starts(evaluation.opened_on)
                .ends(next_day(evaluation.due_on))
                .done(),
        );
    }
    for revision in revisions.all(db).await? {
        let title = catalog
            .plans()
            .find(|p| p.id == revision.plan_id)
            .map(|p| p.title.clone())
            .unwrap_or_default();
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("revision-{}@tiltak", revision.id))
                .timestamp(revision.created_at)
                .summary(&format!("Rullering: {title}"))
                .starts(revision.due_on)
                .ends(next_day(revision.due_on))
                .done(),
        );
    }
    Ok(calendar.done().to_string())
}

/// The exclusive end of an all-day event on `day`: RFC 5545 wants DTEND after DTSTART for DATE
/// values (`icalendar`'s `all_day` writes the same day for both, which strict readers refuse).
fn next_day(day: chrono::NaiveDate) -> chrono::NaiveDate {
    day + Duration::days(1)
}
