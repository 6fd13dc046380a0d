//! The yearly council report: loading a plan's history, building the report, views for one
//! unit or one leader team, and freezing the version presented to the council.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize};
use super::{Viewer, audit, find_in_org, history, plans};
use crate::{
    audit_key::AuditKey,
    entities::{action, action_event, chapter, evaluation, frozen_report, organization, team, team_unit, unit},
    error::{AppError, AppResult},
    report::{self, History, Report},
};

/// Whose actions a report shows.
#[derive(Debug, Clone, Copy)]
pub enum View {
    Plan,
    Unit(Uuid),
    Team(Uuid),
}

impl View {
    /// The view of a request's `unitId` and `teamId` (GraphQL, the download URL, the command
    /// line): at most one of them.
    pub fn of(unit_id: Option<Uuid>, team_id: Option<Uuid>) -> AppResult<View> {
        match (unit_id, team_id) {
            (None, None) => Ok(View::Plan),
            (Some(unit), None) => Ok(View::Unit(unit)),
            (None, Some(team)) => Ok(View::Team(team)),
            (Some(_), Some(_)) => Err(AppError::validation("teamId", "give unitId or teamId, not both")),
        }
    }

    /// The query string of the view's download URL (`/reports/{planId}/{year}.{ext}`).
    pub fn query(self) -> String {
        match self {
            View::Plan => String::new(),
            View::Unit(id) => format!("?unitId={id}"),
            View::Team(id) => format!("?teamId={id}"),
        }
    }
}

/// A report with where it came from.
pub struct YearReport {
    pub report: Report,
    /// SHA-256 of the report's canonical JSON.
    pub hash: String,
    /// The frozen record when the report is the version presented to the council.
    pub frozen: Option<frozen_report::Model>,
}

fn check_year(year: i32) -> AppResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::validation(
            "year",
            format!("{year} is not a year between 2000 and 2100"),
        ))
    }
}

/// Everything the report of one plan is built from.
#[tracing::instrument(skip_all, fields(plan = %plan.id))]
pub async fn history(db: &impl ConnectionTrait, plan: crate::entities::plan::Model) -> AppResult<History> {
    let organization = organization::Entity::find_by_id(plan.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", plan.organization_id))?;
    let actions = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan.id))
        .all(db)
        .await?;
    let events = action_event::Entity::find()
        .filter(action_event::Column::OrganizationId.eq(plan.organization_id))
        .filter(action_event::Column::ActionId.is_in(actions.iter().map(|a| a.id)))
        .all(db)
        .await?;
    Ok(History {
        organization: organization.name,
        chapters: chapter::Entity::find()
            .filter(chapter::Column::PlanId.eq(plan.id))
            .all(db)
            .await?,
        units: unit::Entity::find()
            .filter(unit::Column::OrganizationId.eq(plan.organization_id))
            .all(db)
            .await?,
        former_names: super::org::former_names(db, plan.organization_id).await?,
        evaluations: evaluation::Entity::find()
            .filter(evaluation::Column::PlanId.eq(plan.id))
            .all(db)
            .await?,
        actions,
        events,
        plan,
    })
}

async fn frozen(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    year: i32,
) -> AppResult<Option<(frozen_report::Model, Report)>> {
    let Some(row) = frozen_report::Entity::find()
        .filter(frozen_report::Column::PlanId.eq(plan_id))
        .filter(frozen_report::Column::Year.eq(year))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(row.data.as_bytes()));
    if hash != row.hash {
        return Err(AppError::Internal(anyhow::anyhow!(
            "frozen report {} does not match its hash: its data was changed in the database",
            row.id
        )));
    }
    let report: Report = serde_json::from_str(&row.data)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("frozen report {} is unreadable: {e}", row.id)))?;
    Ok(Some((row, report)))
}

/// The whole plan's report built from the history now, compared with last year's frozen one.
async fn live(db: &impl ConnectionTrait, plan: crate::entities::plan::Model, year: i32) -> AppResult<Report> {
    let last_year = frozen(db, plan.id, year - 1).await?.map(|(_, report)| report);
    let history = history(db, plan).await?;
    Ok(report::build(&history, year, last_year.as_ref())?)
}

/// The report of a plan for a year: the frozen version when there is one, the live one
/// otherwise, limited to a unit or a leader team's units when asked. Anyone in the
/// organization may read it.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %plan_id, year = year))]
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    plan_id: Uuid,
    year: i32,
    view: View,
) -> AppResult<YearReport> {
    check_year(year)?;
    let plan = plans::plan(db, viewer, plan_id).await?;
    let (frozen, whole) = match frozen(db, plan_id, year).await? {
        Some((row, report)) => (Some(row), report),
        None => (None, live(db, plan, year).await?),
    };
    let org = viewer.organization_id;
    let report = match view {
        View::Plan => whole,
        View::Unit(id) => {
            let unit = find_in_org::<unit::Entity, _>(db, |u| u.organization_id, org, "unit", id).await?;
            whole.limited_to(&format!("Enhet: {}", unit.name), &[unit.id])
        }
        View::Team(id) => {
            let team = find_in_org::<team::Entity, _>(db, |t| t.organization_id, org, "team", id).await?;
            let units: Vec<Uuid> = team_unit::Entity::find()
                .filter(team_unit::Column::TeamId.eq(team.id))
                .all(db)
                .await?
                .into_iter()
                .map(|link| link.unit_id)
                .collect();
            whole.limited_to(&format!("Lederteam: {}", team.name), &units)
        }
    };
    let hash = match (&frozen, view) {
        (Some(row), View::Plan) => row.hash.clone(),
        _ => report.hash(),
    };
    Ok(YearReport { report, hash, frozen })
}

/// Freezes the whole plan's report for a year as presented to the council: its data and
/// hash are stored and never change, with the head of the history chain it was built on,
/// sealed with the audit key. Coordinators and admins; once per plan and year.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %plan_id, year = year))]
pub async fn freeze(
    db: &DatabaseConnection,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    plan_id: Uuid,
    year: i32,
    confirm_empty: bool,
) -> AppResult<YearReport> {
    check_year(year)?;
    let this_year = chrono::Datelike::year(&crate::domain::today_in_oslo(now));
    if year >= this_year {
        return Err(AppError::validation(
            "year",
            format!("{year} has not ended yet: a report is frozen once its year is over"),
        ));
    }
    authorize(viewer, Permission::FreezeReport, Relation::None)?;
    let txn = db.begin().await?;
    // No event is added while the report is built, so the head recorded is the one it saw.
    history::lock_chain(&txn, viewer.organization_id).await?;
    let plan = plans::plan(&txn, viewer, plan_id).await?;
    if frozen(&txn, plan_id, year).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the report for {year} is already frozen; a frozen report never changes"
        )));
    }
    let report = live(&txn, plan, year).await?;
    let head = audit::current_head(&txn, viewer.organization_id).await?;
    // Freezing is for good: a year with nothing to report is frozen only on purpose.
    let summary = &report.summary;
    if !confirm_empty && summary.without_update.len() == summary.total {
        return Err(AppError::validation(
            "confirmEmpty",
            format!(
                "the {year} report has {}: freezing it is permanent, so confirm with confirmEmpty: true",
                if summary.total == 0 {
                    "no actions"
                } else {
                    "no updates to any action"
                }
            ),
        ));
    }
    let hash = report.hash();
    let mut row = frozen_report::Model {
        id: Uuid::new_v4(),
        organization_id: viewer.organization_id,
        plan_id,
        year,
        data: report.to_json(),
        hash: hash.clone(),
        frozen_by: Some(viewer.person_id),
        // Stored to the microsecond, as PostgreSQL keeps it, so the seal reads back the same.
        frozen_at: now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now),
        chain_events: Some(i64::try_from(head.events).map_err(|e| AppError::Internal(e.into()))?),
        chain_head: Some(head.hash),
        chain_seal: None,
    };
    row.chain_seal = Some(audit::report_seal(key, &row));
    let row = frozen_report::ActiveModel::from(row).insert(&txn).await?;
    txn.commit().await?;
    Ok(YearReport {
        report,
        hash,
        frozen: Some(row),
    })
}
