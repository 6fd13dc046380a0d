//! The yearly evaluation round: which actions are due, opening the round, overdue after the
//! grace period, and the unit leader's assessment.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::auth::{Permission, authorize, policy};
use super::{MAX_TEXT, Viewer, find_in_org};
use crate::{
    audit_key::AuditKey,
    domain::{
        CarriedOut, EvaluationDecision, EvaluationStatus, EventKind, Recurrence, Status, optional_text, required_text,
        today_in_oslo,
    },
    entities::{action, evaluation, plan},
    error::AppResult,
};

/// Is the action evaluated for `year`? Continuous and annual actions every year, biennial ones
/// every second year from the plan's first year, one-off actions in the year of their deadline
/// (or every year while open without one), on-demand actions never. Actions created after the
/// year, or cancelled before it, are not.
pub fn due_for_evaluation(action: &action::Model, plan: &plan::Model, year: i32) -> bool {
    if today_in_oslo(action.created_at).year() > year {
        return false;
    }
    let status = action.status;
    if status == Status::Cancelled && action.updated_at.year() < year {
        return false;
    }
    match action.recurrence {
        Recurrence::Annual | Recurrence::Continuous => true,
        Recurrence::Biennial => {
            let first = plan.period_start.unwrap_or_else(|| plan.created_at.year());
            (year - first).rem_euclid(2) == 0
        }
        Recurrence::OnDemand => false,
        Recurrence::None => match action.deadline {
            Some(deadline) => deadline.year() == year,
            None => status.is_open(),
        },
    }
}

/// Opens the round for `year` in one plan: one evaluation per due action that has none yet.
/// Returns the evaluations created.
#[tracing::instrument(skip_all, fields(plan = %plan.id, year = year))]
pub async fn open_round(
    txn: &impl ConnectionTrait,
    plan: &plan::Model,
    year: i32,
    today: NaiveDate,
    grace_days: u32,
    now: DateTime<Utc>,
) -> AppResult<Vec<evaluation::Model>> {
    let existing: Vec<Uuid> = evaluation::Entity::find()
        .filter(evaluation::Column::PlanId.eq(plan.id))
        .filter(evaluation::Column::Year.eq(year))
        .all(txn)
        .await?
        .into_iter()
        .map(|e| e.action_id)
        .collect();
    let actions = action::Entity::find_active()
        .filter(action::Column::PlanId.eq(plan.id))
        .all(txn)
        .await?;
    let mut created = Vec::new();
    for action in actions {
        if existing.contains(&action.id) || !due_for_evaluation(&action, plan, year) {
            continue;
        }
        let row = evaluation::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(plan.organization_id),
            plan_id: Set(plan.id),
            action_id: Set(action.id),
            unit_id: Set(action.responsible_unit_id),
            year: Set(year),
            status: Set(EvaluationStatus::Open),
            opened_on: Set(today),
            due_on: Set(today + Duration::days(i64::from(grace_days))),
            submitted_at: Set(None),
            submitted_by: Set(None),
            carried_out: Set(None),
            effect: Set(None),
            decision: Set(None),
            comment: Set(None),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        created.push(row);
    }
    Ok(created)
}

/// Open evaluations whose due date has passed become overdue, in every organization at once.
#[tracing::instrument(skip_all, fields(%today))]
pub async fn mark_overdue(txn: &impl ConnectionTrait, today: NaiveDate) -> AppResult<u64> {
    let result = evaluation::Entity::update_many()
        .col_expr(evaluation::Column::Status, Expr::value(EvaluationStatus::Overdue))
        .filter(evaluation::Column::Status.eq(EvaluationStatus::Open))
        .filter(evaluation::Column::DueOn.lt(today))
        .exec(txn)
        .await?;
    Ok(result.rows_affected)
}

/// A unit leader's assessment of an action's year.
#[derive(Debug)]
pub struct Assessment {
    pub carried_out: CarriedOut,
    pub effect: String,
    pub decision: EvaluationDecision,
    pub comment: Option<String>,
}

/// Submits an evaluation, or corrects a submitted one (each submission is its own EVALUATED
/// history event, written in the same transaction). By the leader of the unit the evaluation
/// was opened for (the action's responsible unit then), coordinators and admins.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, evaluation = %id))]
pub async fn submit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    input: Assessment,
) -> AppResult<evaluation::Model> {
    let effect = required_text("effect", &input.effect, MAX_TEXT)?;
    let comment = optional_text("comment", input.comment.as_deref(), MAX_TEXT)?;
    let txn = db.begin().await?;
    let current =
        find_in_org::<evaluation::Entity, _>(&txn, |e| e.organization_id, viewer.organization_id, "evaluation", id)
            .await?;
    let action = find_in_org::<action::Entity, _>(
        &txn,
        |a| a.organization_id,
        viewer.organization_id,
        "action",
        current.action_id,
    )
    .await?;
    may_evaluate(&txn, viewer, &current, &action).await?;
    let mut row: evaluation::ActiveModel = current.clone().into();
    row.status = Set(EvaluationStatus::Submitted);
    row.submitted_at = Set(Some(now));
    row.submitted_by = Set(Some(viewer.person_id));
    row.carried_out = Set(Some(input.carried_out));
    row.effect = Set(Some(effect));
    row.decision = Set(Some(input.decision));
    row.comment = Set(comment.clone());
    let saved = row.update(&txn).await?;
    super::history::append(
        &txn,
        key,
        vec![super::history::NewEvent {
            organization_id: action.organization_id,
            action_id: action.id,
            at: now,
            actor_id: Some(viewer.person_id),
            kind: EventKind::Evaluated,
            from: Some(current.year.to_string()),
            to: Some(input.decision.code().to_owned()),
            comment,
            via: viewer.via,
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

async fn may_evaluate(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    evaluation: &evaluation::Model,
    action: &action::Model,
) -> AppResult<()> {
    let unit = evaluation.unit_id.or(action.responsible_unit_id);
    authorize(
        viewer,
        Permission::Evaluate,
        policy::relation_to_unit(db, viewer, unit).await?,
    )
}

#[derive(Debug, Default)]
pub struct EvaluationFilter {
    pub plan_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub year: Option<i32>,
    pub status: Option<EvaluationStatus>,
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: EvaluationFilter,
) -> AppResult<Vec<evaluation::Model>> {
    let mut query = evaluation::Entity::find().filter(evaluation::Column::OrganizationId.eq(viewer.organization_id));
    if let Some(plan_id) = filter.plan_id {
        query = query.filter(evaluation::Column::PlanId.eq(plan_id));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(evaluation::Column::UnitId.eq(unit_id));
    }
    if let Some(year) = filter.year {
        query = query.filter(evaluation::Column::Year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(evaluation::Column::Status.eq(status));
    }
    Ok(query
        .order_by_desc(evaluation::Column::Year)
        .order_by_asc(evaluation::Column::CreatedAt)
        .order_by_asc(evaluation::Column::Id)
        .all(db)
        .await?)
}
