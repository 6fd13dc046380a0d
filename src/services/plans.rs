//! Plans and their chapters.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QueryTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize};
use super::{JOINED, MAX_NAME, Viewer, actions, archived_at, find_in_org, kept, rows::At};
use crate::audit_key::AuditKey;
use crate::{
    domain::{CronSchedule, Status, check_date, optional_text, required_line},
    entities::{action, chapter, plan, unit},
    error::{AppError, AppResult},
};

#[derive(Default)]
pub struct NewPlan {
    pub title: String,
    pub decision_ref: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub period_start: Option<i32>,
    pub period_end: Option<i32>,
    pub owner_unit_id: Option<Uuid>,
    pub evaluation_schedule: Option<String>,
    pub revision_schedule: Option<String>,
}

pub struct NewChapter {
    pub plan_id: Uuid,
    pub number: i32,
    pub title: String,
}

/// Counts of actions per status, in the order of [`Status::ALL`], zeros included.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCounts {
    pub total: u64,
    pub by_status: Vec<(Status, u64)>,
    /// Mean of the actions' progress percentages; 0 for no actions.
    pub average_progress: f64,
}

pub struct PlanProgress {
    pub overall: StatusCounts,
    pub chapters: Vec<(chapter::Model, StatusCounts)>,
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn create_plan<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    now: DateTime<Utc>,
    input: NewPlan,
) -> AppResult<plan::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let title = required_line("title", &input.title, MAX_NAME)?;
    let adopted_on = input.adopted_on.map(|d| check_date("adoptedOn", d)).transpose()?;
    let decision_ref = optional_text("decisionRef", input.decision_ref.as_deref(), MAX_NAME)?;
    check_period(input.period_start, input.period_end)?;
    let evaluation_schedule = schedule("evaluationSchedule", input.evaluation_schedule)?;
    let revision_schedule = schedule("revisionSchedule", input.revision_schedule)?;
    if let Some(unit_id) = input.owner_unit_id {
        find_in_org::<unit::Entity, _>(db, |u| u.organization_id, viewer.organization_id, "unit", unit_id).await?;
    }
    Ok(plan::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(viewer.organization_id),
        title: Set(title),
        decision_ref: Set(decision_ref),
        adopted_on: Set(adopted_on),
        period_start: Set(input.period_start),
        period_end: Set(input.period_end),
        owner_unit_id: Set(input.owner_unit_id),
        evaluation_schedule: Set(evaluation_schedule),
        revision_schedule: Set(revision_schedule),
        created_at: Set(now),
        public_since: Set(None),
        archived_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// The plan period's years: each between 1900 and 2200, the end not before the start.
fn check_period(start: Option<i32>, end: Option<i32>) -> AppResult<()> {
    for (field, year) in [("periodStart", start), ("periodEnd", end)] {
        if year.is_some_and(|y| !(1900..=2200).contains(&y)) {
            return Err(AppError::validation(field, "must be a year between 1900 and 2200"));
        }
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(AppError::validation(
            "periodEnd",
            format!("{end} is before periodStart {start}"),
        ));
    }
    Ok(())
}

/// Fields of a plan to change; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Default)]
pub struct PlanChanges {
    pub title: Option<String>,
    pub decision_ref: Option<Option<String>>,
    pub adopted_on: Option<Option<NaiveDate>>,
    pub period_start: Option<Option<i32>>,
    pub period_end: Option<Option<i32>>,
    pub owner_unit_id: Option<Option<Uuid>>,
    pub evaluation_schedule: Option<Option<String>>,
    pub revision_schedule: Option<Option<String>>,
    /// Archive the plan (or bring it back): it leaves the lists, reminders, evaluation rounds
    /// and revisions, and keeps its history and reports.
    pub archived: Option<bool>,
}

/// Changes a plan's title, decision, adoption date, period, owner unit (who completes
/// revisions and hears about them), its evaluation and revision schedules, and whether it is
/// archived. Admins and coordinators.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %id))]
pub async fn update_plan(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    changes: PlanChanges,
) -> AppResult<plan::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let current = plan(db, viewer, id).await?;
    check_period(
        changes.period_start.unwrap_or(current.period_start),
        changes.period_end.unwrap_or(current.period_end),
    )?;
    let archived_at = archived_at(changes.archived, current.archived_at, now);
    let mut row: plan::ActiveModel = current.into();
    if let Some(title) = changes.title {
        row.title = Set(required_line("title", &title, MAX_NAME)?);
    }
    if let Some(decision_ref) = changes.decision_ref {
        row.decision_ref = Set(optional_text("decisionRef", decision_ref.as_deref(), MAX_NAME)?);
    }
    if let Some(adopted_on) = changes.adopted_on {
        row.adopted_on = Set(adopted_on.map(|d| check_date("adoptedOn", d)).transpose()?);
    }
    if let Some(start) = changes.period_start {
        row.period_start = Set(start);
    }
    if let Some(end) = changes.period_end {
        row.period_end = Set(end);
    }
    row.archived_at = Set(archived_at);
    if let Some(owner) = changes.owner_unit_id {
        if let Some(unit_id) = owner {
            find_in_org::<unit::Entity, _>(db, |u| u.organization_id, viewer.organization_id, "unit", unit_id)
                .await
                .map_err(|_| AppError::validation("ownerUnitId", format!("no unit {unit_id} in this organization")))?;
        }
        row.owner_unit_id = Set(owner);
    }
    if let Some(expr) = changes.evaluation_schedule {
        row.evaluation_schedule = Set(schedule("evaluationSchedule", expr)?);
    }
    if let Some(expr) = changes.revision_schedule {
        row.revision_schedule = Set(schedule("revisionSchedule", expr)?);
    }
    Ok(row.update(db).await?)
}

/// Switches a plan's public page on or off. Admins only: the page needs no sign-in.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %id))]
pub async fn set_public(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    public: bool,
) -> AppResult<plan::Model> {
    authorize(viewer, Permission::Publish, Relation::None)?;
    let current = plan(db, viewer, id).await?;
    let since = match (public, current.public_since) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(now),
        (false, _) => None,
    };
    let mut row: plan::ActiveModel = current.into();
    row.public_since = Set(since);
    Ok(row.update(db).await?)
}

/// One action as the public page shows it: nothing internal (no comments, people or history).
pub struct PublicAction {
    pub number: String,
    pub title: String,
    pub status: Status,
    pub deadline: Option<chrono::NaiveDate>,
    pub unit: Option<String>,
}

/// A public page's chapters, each with its actions in numeric order.
pub type PublicChapters = Vec<(chapter::Model, Vec<PublicAction>)>;

/// A plan with a public page, by chapter; `NotFound` for any other plan (also another
/// organization's, or one whose page is off), so nothing is revealed.
#[tracing::instrument(skip_all, fields(plan = %id))]
pub async fn public_plan(db: &DatabaseConnection, id: Uuid) -> AppResult<(plan::Model, PublicChapters)> {
    use crate::entities::{action, unit};
    let plan = plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|p| p.public_since.is_some())
        .ok_or_else(|| AppError::not_found("plan", id))?;
    let mut chapters = chapter::Entity::find()
        .filter(chapter::Column::PlanId.eq(plan.id))
        .filter(chapter::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    chapters.sort_by_key(|c| c.number);
    let actions = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan.id))
        .filter(action::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    let units: std::collections::HashMap<Uuid, String> = unit::Entity::find()
        .filter(unit::Column::OrganizationId.eq(plan.organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let by_chapter = chapters
        .into_iter()
        .map(|chapter| {
            let mut list: Vec<&action::Model> = actions.iter().filter(|a| a.chapter_id == chapter.id).collect();
            list.sort_by_key(|a| a.number);
            let rows = list
                .into_iter()
                .map(|a| PublicAction {
                    number: crate::domain::ActionNumber::new(chapter.number as u32, a.number as u32).to_string(),
                    title: a.title.clone(),
                    status: a.status,
                    deadline: a.deadline,
                    unit: a.responsible_unit_id.and_then(|u| units.get(&u).cloned()),
                })
                .collect();
            (chapter, rows)
        })
        .collect();
    Ok((plan, by_chapter))
}

/// A cron expression of the `cron` crate (seconds, minutes, hours, day of month, month,
/// day of week, optional year), checked now so a bad one never reaches the scheduler.
fn schedule(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    let Some(expr) = optional_text(field, value.as_deref(), MAX_NAME)? else {
        return Ok(None);
    };
    expr.parse::<CronSchedule>()
        .map_err(|e| AppError::validation(field, e))?;
    Ok(Some(expr))
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %input.plan_id))]
pub async fn add_chapter<C: ConnectionTrait>(db: &C, viewer: &Viewer, input: NewChapter) -> AppResult<chapter::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let plan = plan(db, viewer, input.plan_id).await?;
    let title = required_line("title", &input.title, MAX_NAME)?;
    if plan.archived_at.is_some() {
        return Err(AppError::validation(
            "planId",
            "the plan is archived: it takes no new chapters",
        ));
    }
    chapter_number_free(db, plan.id, input.number).await?;
    Ok(chapter::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(plan.organization_id),
        plan_id: Set(plan.id),
        number: Set(input.number),
        title: Set(title),
        archived_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// Fields of a chapter to change; `None` leaves a field alone.
#[derive(Default)]
pub struct ChapterChanges {
    pub number: Option<i32>,
    pub title: Option<String>,
    /// Archive the chapter or bring it back; it must hold no active actions to be archived.
    pub archived: Option<bool>,
}

/// Renumbers, renames or archives a chapter. A new number is recorded in the history of
/// each of its actions (their numbers change with it). Admins and coordinators.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, chapter = %id))]
pub async fn update_chapter<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    changes: ChapterChanges,
) -> AppResult<chapter::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let txn = db.begin().await?;
    let current =
        find_in_org::<chapter::Entity, _>(&txn, |c| c.organization_id, viewer.organization_id, "chapter", id).await?;
    let mut row: chapter::ActiveModel = current.clone().into();
    if let Some(title) = changes.title {
        row.title = Set(required_line("title", &title, MAX_NAME)?);
    }
    if let Some(number) = changes.number.filter(|n| *n != current.number) {
        chapter_number_free(&txn, current.plan_id, number).await?;
        row.number = Set(number);
        actions::chapter_renumbered(&txn, key, viewer, now, current.id, (current.number, number)).await?;
    }
    if changes.archived == Some(true) && current.archived_at.is_none() {
        let active = action::Entity::find()
            .filter(action::Column::ChapterId.eq(current.id))
            .filter(action::Column::ArchivedAt.is_null())
            .count(&txn)
            .await?;
        if active > 0 {
            return Err(AppError::validation(
                "archived",
                format!(
                    "chapter {} still holds {active} action(s) that are not archived: move or archive them first",
                    current.number
                ),
            ));
        }
    }
    row.archived_at = Set(archived_at(changes.archived, current.archived_at, now));
    let saved = row.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A chapter number not yet used in the plan: 0 (no chapter) or positive.
async fn chapter_number_free(db: &impl ConnectionTrait, plan_id: Uuid, number: i32) -> AppResult<()> {
    if number < 0 {
        return Err(AppError::validation(
            "number",
            "must be 0 (no chapter) or a positive chapter number",
        ));
    }
    let taken = chapter::Entity::find()
        .filter(chapter::Column::PlanId.eq(plan_id))
        .filter(chapter::Column::Number.eq(number))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(AppError::validation(
            "number",
            format!("chapter {number} already exists in this plan"),
        ));
    }
    Ok(())
}

/// The organization's plans, oldest first: all, or only the archived (`Some(true)`) or the
/// other (`Some(false)`) ones.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn plans(db: &DatabaseConnection, viewer: &Viewer, archived: Option<bool>) -> AppResult<Vec<plan::Model>> {
    let mut query = plan::Entity::find().filter(plan::Column::OrganizationId.eq(viewer.organization_id));
    query = match archived {
        Some(true) => query.filter(plan::Column::ArchivedAt.is_not_null()),
        Some(false) => query.filter(plan::Column::ArchivedAt.is_null()),
        None => query,
    };
    Ok(query.order_by_asc(plan::Column::CreatedAt).all(db).await?)
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %id))]
pub async fn plan<C: ConnectionTrait>(db: &C, viewer: &Viewer, id: Uuid) -> AppResult<plan::Model> {
    find_in_org::<plan::Entity, _>(db, |p| p.organization_id, viewer.organization_id, "plan", id).await
}

/// Counts per status for the whole plan and for each chapter, from one query.
#[tracing::instrument(skip_all, fields(plan = %plan.id))]
pub async fn progress(db: &DatabaseConnection, plan: &plan::Model) -> AppResult<PlanProgress> {
    let chapters = chapter::Entity::find()
        .filter(chapter::Column::PlanId.eq(plan.id))
        .filter(chapter::Column::ArchivedAt.is_null())
        .order_by_asc(chapter::Column::Number)
        .all(db)
        .await?;
    let actions = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan.id))
        .filter(action::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    let mut per_chapter: BTreeMap<Uuid, Vec<&action::Model>> = BTreeMap::new();
    for action in &actions {
        per_chapter.entry(action.chapter_id).or_default().push(action);
    }
    let overall = count(actions.iter());
    let chapters = chapters
        .into_iter()
        .map(|c| {
            let counts = count(per_chapter.get(&c.id).into_iter().flatten().copied());
            (c, counts)
        })
        .collect();
    Ok(PlanProgress { overall, chapters })
}

fn count<'a>(actions: impl Iterator<Item = &'a action::Model>) -> StatusCounts {
    let mut counts: BTreeMap<Status, u64> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let (mut total, mut progress_sum) = (0u64, 0i64);
    for action in actions {
        total += 1;
        progress_sum += i64::from(action.progress);
        *counts.entry(action.status).or_default() += 1;
    }
    StatusCounts {
        total,
        by_status: Status::ALL.iter().map(|s| (*s, counts[s])).collect(),
        average_progress: if total == 0 {
            0.0
        } else {
            progress_sum as f64 / total as f64
        },
    }
}

/// A chapter, one of its actions, and that action's responsible unit.
pub type TreeRow = (chapter::Model, Option<action::Model>, Option<unit::Model>);

/// The plans' chapters joined with their actions, and those actions' responsible units when
/// `with_units`, in one statement (a dashboard's tree): chapters, then actions, in numeric
/// order; a chapter without actions comes once with none.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn tree(
    db: &DatabaseConnection,
    organization_id: Uuid,
    plan_ids: &std::collections::BTreeSet<Uuid>,
    with_units: bool,
) -> AppResult<Vec<TreeRow>> {
    let query = chapter::Entity::find()
        .filter(chapter::Column::OrganizationId.eq(organization_id))
        .filter(chapter::Column::PlanId.is_in(plan_ids.iter().copied()))
        .find_also_related(action::Entity);
    let backend = db.get_database_backend();
    let (statement, units) = if with_units {
        (
            order(query.find_also(action::Entity, unit::Entity)).build(backend),
            Some(JOINED[2]),
        )
    } else {
        (order(query).build(backend), None)
    };
    tree_rows(&db.query_all_raw(statement).await?, JOINED[0], JOINED[1], units)
}

/// The tree's order: chapters, then actions, by number.
fn order<Q: QueryOrder>(query: Q) -> Q {
    query
        .order_by_asc(chapter::Column::Number)
        .order_by_asc(action::Column::Number)
}

/// A plan and its tree as `tree` reads it, in one statement: the plan joined with its
/// chapters, their actions and, when `with_units`, those actions' responsible units.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn plan_with_tree(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    with_units: bool,
) -> AppResult<(plan::Model, Vec<TreeRow>)> {
    use sea_orm::{QueryTrait, Value};
    let build = |v: &[Value]| {
        let query = plan::Entity::find()
            .filter(plan::Column::Id.eq(v[0].clone()))
            .filter(plan::Column::OrganizationId.eq(v[1].clone()))
            .find_also_related(chapter::Entity)
            .find_also(chapter::Entity, action::Entity);
        if with_units {
            order(query.find_also(action::Entity, unit::Entity)).into_query()
        } else {
            order(query).into_query()
        }
    };
    let values = vec![id.into(), viewer.organization_id.into()];
    let key = ("plans::plan_with_tree", u64::from(with_units));
    let statement = kept::statement(db.get_database_backend(), key, values, build);
    let units = with_units.then_some(JOINED[3]);
    let rows = db.query_all_raw(statement).await?;
    // Every row repeats the plan: it is read from the first.
    let Some(first) = rows.first() else {
        return Err(AppError::not_found("plan", id));
    };
    let plan = plan::Model::from_query_result(first, JOINED[0])?;
    Ok((plan, tree_rows(&rows, JOINED[1], JOINED[2], units)?))
}

/// The tree in a join's rows, its chapter, action and unit under these column prefixes, read
/// by position (`rows`). A chapter comes on each of its actions' rows and a unit on each of
/// its actions': each is decoded once. A row without a chapter (a plan with none) is no part
/// of the tree.
fn tree_rows(
    rows: &[sea_orm::QueryResult],
    chapter_at: &str,
    action_at: &str,
    unit_at: Option<&str>,
) -> AppResult<Vec<TreeRow>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let chapter_at = At::<chapter::Model>::of(first, chapter_at)?;
    let action_at = At::<action::Model>::of(first, action_at)?;
    let unit_at = unit_at.map(|at| At::<unit::Model>::of(first, at)).transpose()?;
    let mut tree: Vec<TreeRow> = Vec::with_capacity(rows.len());
    use std::collections::{HashMap, hash_map::Entry};
    let mut units: HashMap<Uuid, unit::Model> = HashMap::new();
    for row in rows {
        let Some(chapter_id) = chapter_at.key(row)? else {
            continue;
        };
        let chapter = match tree.last() {
            Some((last, _, _)) if last.id == chapter_id => last.clone(),
            _ => chapter_at.required(row)?,
        };
        let action = action_at.read(row)?;
        let unit = match unit_at {
            Some(at) => match at.key(row)? {
                Some(unit_id) => Some(match units.entry(unit_id) {
                    Entry::Occupied(known) => known.get().clone(),
                    Entry::Vacant(new) => new.insert(at.required(row)?).clone(),
                }),
                None => None,
            },
            None => None,
        };
        tree.push((chapter, action, unit));
    }
    Ok(tree)
}
