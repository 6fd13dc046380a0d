//! Revisions of plans: each plan's own revision expression (e.g. `0 0 8 1 9 * 2025/2`, 1
//! September every second year from 2025) creates a revision task for its owner unit.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::auth::{Permission, authorize, policy};
use super::{MAX_TEXT, Viewer, find_in_org};
use crate::{
    domain::{CronSchedule, OSLO, RevisionStatus, optional_text, today_in_oslo},
    entities::{plan, revision},
    error::{AppError, AppResult},
};

/// The date of the latest occurrence of `expr` that falls on a day in `(after, today]`.
pub fn due_day(expr: &str, after: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let schedule: CronSchedule = expr.parse().ok()?;
    let end_of_today = today
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"))
        .and_local_timezone(OSLO)
        .latest()?
        .with_timezone(&Utc);
    let day = today_in_oslo(schedule.latest_at_or_before(end_of_today)?);
    (day > after).then_some(day)
}

/// Creates the revision task if the plan's revision expression fell due on a day in
/// `(after, today]` and none exists for that day. Returns the task created.
#[tracing::instrument(skip_all, fields(plan = %plan.id))]
pub async fn check(
    txn: &impl ConnectionTrait,
    plan: &plan::Model,
    after: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Option<revision::Model>> {
    let Some(due_on) = plan
        .revision_schedule
        .as_deref()
        .and_then(|expr| due_day(expr, after, today))
    else {
        return Ok(None);
    };
    let exists = revision::Entity::find()
        .filter(revision::Column::PlanId.eq(plan.id))
        .filter(revision::Column::DueOn.eq(due_on))
        .one(txn)
        .await?
        .is_some();
    if exists {
        return Ok(None);
    }
    let created = revision::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(plan.organization_id),
        plan_id: Set(plan.id),
        unit_id: Set(plan.owner_unit_id),
        due_on: Set(due_on),
        status: Set(RevisionStatus::Open),
        created_at: Set(now),
        completed_at: Set(None),
        completed_by: Set(None),
        comment: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(Some(created))
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = ?plan_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    plan_id: Option<Uuid>,
    status: Option<RevisionStatus>,
) -> AppResult<Vec<revision::Model>> {
    let mut query = revision::Entity::find().filter(revision::Column::OrganizationId.eq(viewer.organization_id));
    if let Some(plan_id) = plan_id {
        query = query.filter(revision::Column::PlanId.eq(plan_id));
    }
    if let Some(status) = status {
        query = query.filter(revision::Column::Status.eq(status));
    }
    Ok(query
        .order_by_desc(revision::Column::DueOn)
        .order_by_asc(revision::Column::Id)
        .all(db)
        .await?)
}

/// Marks a revision done: by admins, coordinators or the leader of the plan's owner unit.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, revision = %id))]
pub async fn complete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    comment: Option<String>,
) -> AppResult<revision::Model> {
    let comment = optional_text("comment", comment.as_deref(), MAX_TEXT)?;
    let current =
        find_in_org::<revision::Entity, _>(db, |r| r.organization_id, viewer.organization_id, "revision", id).await?;
    authorize(
        viewer,
        Permission::CompleteRevision,
        policy::relation_to_unit(db, viewer, current.unit_id).await?,
    )?;
    if current.status == RevisionStatus::Done {
        return Err(AppError::Conflict(format!("revision {id} is already done")));
    }
    let mut row: revision::ActiveModel = current.into();
    row.status = Set(RevisionStatus::Done);
    row.completed_at = Set(Some(now));
    row.completed_by = Set(Some(viewer.person_id));
    row.comment = Set(comment);
    Ok(row.update(db).await?)
}
