//! Numbered actions: creating them, changing them, and their history.
//!
//! Every change raises the action's `version` and writes its history events in the same
//! transaction. The update is conditional on the version read, so two concurrent changes
//! can never both pass: the later one gets `CONFLICT` and writes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    JoinType, QueryFilter, QueryOrder, QuerySelect, Related, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize, policy};
use super::{JOINED, MAX_NAME, MAX_TEXT, Viewer, find_in_org, history, kept, org::dedup, outbox, reminders, rows::At};
use crate::{
    audit_key::AuditKey,
    domain::{
        self, EventKind, PreventionLevel, Recurrence, Status, check_transition, optional_text, required_line,
        required_text, validate_progress,
    },
    entities::{action, action_contributor, action_event, chapter, organization, plan, unit},
    error::{AppError, AppResult},
};

pub struct NewAction {
    pub chapter_id: Uuid,
    pub number: i32,
    pub title: String,
    pub description: Option<String>,
    pub responsible_unit_id: Option<Uuid>,
    /// A unit the text seems to name, shown for a coordinator to confirm.
    pub suggested_unit_id: Option<Uuid>,
    pub contributing_unit_ids: Vec<Uuid>,
    pub deadline: Option<NaiveDate>,
    pub progress: Option<i32>,
    pub prevention_level: Option<PreventionLevel>,
    pub tags: Vec<String>,
    pub decision_ref: Option<String>,
    pub recurrence: Option<Recurrence>,
}

/// Fields to change; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Default)]
pub struct ActionChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub responsible_unit_id: Option<Option<Uuid>>,
    pub contributing_unit_ids: Option<Vec<Uuid>>,
    pub deadline: Option<Option<NaiveDate>>,
    pub progress: Option<i32>,
    pub prevention_level: Option<Option<PreventionLevel>>,
    pub tags: Option<Vec<String>>,
    pub decision_ref: Option<Option<String>>,
    pub recurrence: Option<Recurrence>,
    /// Another chapter of the same plan and the number there (a move, or a renumbering).
    pub place: Option<(Uuid, i32)>,
    /// Archive the action (instead of deleting it) or bring it back. An archived action
    /// keeps its number and history; nothing else about it changes until it is back.
    pub archived: Option<bool>,
    /// Why: kept on every history event the change writes.
    pub comment: Option<String>,
}

#[derive(Default)]
pub struct ActionFilter {
    pub plan_id: Option<Uuid>,
    /// Actions this unit is responsible for.
    pub unit_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Open actions whose deadline has passed (or, with `false`, all others).
    pub overdue: Option<bool>,
    /// Actions with a deadline before this date.
    pub deadline_before: Option<NaiveDate>,
    /// The archived actions instead of the others.
    pub archived: bool,
}

const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 50;

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, chapter = %input.chapter_id))]
pub async fn add_action<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    input: NewAction,
) -> AppResult<action::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let org = viewer.organization_id;
    let title = required_line("title", &input.title, MAX_NAME)?;
    let deadline = input.deadline.map(|d| domain::check_date("deadline", d)).transpose()?;
    let description = optional_text("description", input.description.as_deref(), MAX_TEXT)?.unwrap_or_default();
    let decision_ref = optional_text("decisionRef", input.decision_ref.as_deref(), MAX_NAME)?;
    let tags = tags(input.tags)?;
    let progress = validate_progress("progress", input.progress.unwrap_or(0))?;
    if input.number < 1 {
        return Err(AppError::validation("number", "must be a positive number"));
    }

    let txn = db.begin().await?;
    let chapter =
        find_in_org::<chapter::Entity, _>(&txn, |c| c.organization_id, org, "chapter", input.chapter_id).await?;
    open_chapter(&txn, &chapter).await?;
    number_free(&txn, &chapter, input.number, None).await?;
    if let Some(unit_id) = input.responsible_unit_id {
        active_unit(&txn, org, "responsibleUnitId", unit_id).await?;
    }
    let contributors = dedup(input.contributing_unit_ids);
    for unit_id in &contributors {
        active_unit(&txn, org, "contributingUnitIds", *unit_id).await?;
    }
    let action = action::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(org),
        plan_id: Set(chapter.plan_id),
        chapter_id: Set(chapter.id),
        number: Set(input.number),
        title: Set(title.clone()),
        description: Set(description),
        responsible_unit_id: Set(input.responsible_unit_id),
        suggested_unit_id: Set(input.suggested_unit_id.filter(|_| input.responsible_unit_id.is_none())),
        deadline: Set(deadline),
        status: Set(Status::NotStarted),
        archived_at: Set(None),
        progress: Set(progress),
        prevention_level: Set(input.prevention_level),
        tags: Set(serde_json::json!(tags)),
        decision_ref: Set(decision_ref),
        recurrence: Set(input.recurrence.unwrap_or(Recurrence::None)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_contributors(&txn, action.id, &contributors).await?;
    let event = Event {
        kind: EventKind::Created,
        from: None,
        to: Some(title),
    };
    write_events(&txn, key, &action, viewer, now, vec![event], None).await?;
    txn.commit().await?;
    Ok(action)
}

/// Changes the status, checked against the transition table, with its history event.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action_id, to = %status))]
pub async fn update_status<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
    action_id: Uuid,
    status: Status,
    comment: Option<String>,
    expected_version: Option<i32>,
) -> AppResult<action::Model> {
    let comment = optional_text("comment", comment.as_deref(), MAX_TEXT)?;
    let txn = db.begin().await?;
    let current = load_for_change(&txn, viewer, action_id, expected_version).await?;
    not_archived(&current)?;
    may_follow_up(&txn, viewer, &current).await?;
    let from = current.status;
    check_transition(from, status, comment.as_deref()).map_err(|e| AppError::validation("status", e.to_string()))?;
    let mut changed = current.clone().into_active_model();
    changed.status = Set(status);
    let event = Event {
        kind: EventKind::Status,
        from: Some(from.code().into()),
        to: Some(status.code().into()),
    };
    let action = save(&txn, &current, changed, now).await?;
    let written = write_events(&txn, key, &action, viewer, now, vec![event], comment.clone()).await?;
    notify_teams(&txn, &action, status, comment.as_deref(), written[0].id, now, base_url).await?;
    txn.commit().await?;
    Ok(action)
}

/// Tells the leader teams following the action's unit, through the outbox and in the same
/// transaction, when it becomes DELAYED or CANCELLED.
async fn notify_teams(
    txn: &impl ConnectionTrait,
    action: &action::Model,
    status: Status,
    comment: Option<&str>,
    event_id: i64,
    now: DateTime<Utc>,
    base_url: &str,
) -> AppResult<()> {
    if !matches!(status, Status::Delayed | Status::Cancelled) {
        return Ok(());
    }
    let organization = organization::Entity::find_by_id(action.organization_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("organization", action.organization_id))?;
    let catalog = reminders::Catalog::load(txn, organization, base_url).await?;
    let pending = reminders::status_changed(txn, &catalog, action, status, comment, event_id).await?;
    outbox::enqueue(txn, &[&catalog], now, None, pending).await?;
    Ok(())
}

/// Changes any of the other fields; one history event per field that really changes.
/// A change that alters nothing returns the action as it is and writes nothing.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action_id))]
pub async fn update_action<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    action_id: Uuid,
    expected_version: Option<i32>,
    changes: ActionChanges,
) -> AppResult<action::Model> {
    let org = viewer.organization_id;
    let comment = optional_text("comment", changes.comment.as_deref(), MAX_TEXT)?;
    let txn = db.begin().await?;
    let current = load_for_change(&txn, viewer, action_id, expected_version).await?;
    let edits_fields = changes.title.is_some()
        || changes.place.is_some()
        || changes.description.is_some()
        || changes.responsible_unit_id.is_some()
        || changes.contributing_unit_ids.is_some()
        || changes.deadline.is_some()
        || changes.prevention_level.is_some()
        || changes.tags.is_some()
        || changes.decision_ref.is_some()
        || changes.recurrence.is_some();
    if !edits_fields && changes.archived.is_none() {
        may_follow_up(&txn, viewer, &current).await?;
    } else {
        authorize(viewer, Permission::ManagePlans, Relation::None)?;
    }
    match changes.archived {
        // Bringing it back, perhaps with other changes.
        Some(false) => {}
        // Archiving what is archived already changes nothing.
        Some(true) if current.archived_at.is_some() && !edits_fields && changes.progress.is_none() => {
            return Ok(current);
        }
        _ => not_archived(&current)?,
    }

    let mut changed = current.clone().into_active_model();
    let mut events = Vec::new();
    let mut record = |kind, from: Option<String>, to: Option<String>| {
        if from != to {
            events.push(Event { kind, from, to });
            true
        } else {
            false
        }
    };
    if let Some(title) = changes.title {
        let title = required_line("title", &title, MAX_NAME)?;
        if record(EventKind::Title, Some(current.title.clone()), Some(title.clone())) {
            changed.title = Set(title);
        }
    }
    if let Some(description) = changes.description {
        let description = optional_text("description", Some(&description), MAX_TEXT)?.unwrap_or_default();
        if record(
            EventKind::Description,
            Some(current.description.clone()),
            Some(description.clone()),
        ) {
            changed.description = Set(description);
        }
    }
    if let Some(progress) = changes.progress {
        let progress = validate_progress("progress", progress)?;
        if record(
            EventKind::Progress,
            Some(current.progress.to_string()),
            Some(progress.to_string()),
        ) {
            changed.progress = Set(progress);
        }
    }
    if let Some(deadline) = changes.deadline {
        let deadline = deadline.map(|d| domain::check_date("deadline", d)).transpose()?;
        if record(
            EventKind::Deadline,
            current.deadline.map(|d| d.to_string()),
            deadline.map(|d| d.to_string()),
        ) {
            changed.deadline = Set(deadline);
        }
    }
    if let Some(level) = changes.prevention_level {
        let code = |level: Option<PreventionLevel>| level.map(|l| l.code().to_owned());
        if record(EventKind::PreventionLevel, code(current.prevention_level), code(level)) {
            changed.prevention_level = Set(level);
        }
    }
    if let Some(recurrence) = changes.recurrence
        && record(
            EventKind::Recurrence,
            Some(current.recurrence.code().to_owned()),
            Some(recurrence.code().to_owned()),
        )
    {
        changed.recurrence = Set(recurrence);
    }
    if let Some(decision_ref) = changes.decision_ref {
        let decision_ref = optional_text("decisionRef", decision_ref.as_deref(), MAX_NAME)?;
        if record(
            EventKind::DecisionRef,
            current.decision_ref.clone(),
            decision_ref.clone(),
        ) {
            changed.decision_ref = Set(decision_ref);
        }
    }
    if let Some(new_tags) = changes.tags {
        let new_tags = tags(new_tags)?;
        let old_tags = stored_tags(&current);
        if record(EventKind::Tags, Some(old_tags.join(", ")), Some(new_tags.join(", "))) {
            changed.tags = Set(serde_json::json!(new_tags));
        }
    }
    if let Some(unit_id) = changes.responsible_unit_id {
        let name_of = async |id: Option<Uuid>| -> AppResult<Option<String>> {
            Ok(match id {
                Some(id) => Some(unit_in_org(&txn, org, "responsibleUnitId", id).await?.name),
                None => None,
            })
        };
        if let Some(id) = unit_id.filter(|id| current.responsible_unit_id != Some(*id)) {
            active_unit(&txn, org, "responsibleUnitId", id).await?;
        }
        let (from, to) = (name_of(current.responsible_unit_id).await?, name_of(unit_id).await?);
        if current.responsible_unit_id != unit_id && record(EventKind::ResponsibleUnit, from, to) {
            changed.responsible_unit_id = Set(unit_id);
            // Setting the responsible unit settles any suggestion.
            changed.suggested_unit_id = Set(None);
        }
    }
    if let Some((chapter_id, number)) = changes.place {
        let chapter = find_in_org::<chapter::Entity, _>(&txn, |c| c.organization_id, org, "chapter", chapter_id)
            .await
            .map_err(|_| AppError::validation("chapterId", format!("no chapter {chapter_id} in this organization")))?;
        if chapter.plan_id != current.plan_id {
            return Err(AppError::validation("chapterId", "the chapter belongs to another plan"));
        }
        if chapter.id != current.chapter_id {
            open_chapter(&txn, &chapter).await?;
        }
        if number < 1 {
            return Err(AppError::validation("number", "must be a positive number"));
        }
        number_free(&txn, &chapter, number, Some(current.id)).await?;
        let new_number = domain::ActionNumber::new(chapter.number as u32, number as u32);
        let old_chapter = chapter::Entity::find_by_id(current.chapter_id).one(&txn).await?;
        let old_number = domain::ActionNumber::new(old_chapter.map_or(0, |c| c.number) as u32, current.number as u32);
        if record(
            EventKind::Number,
            Some(old_number.to_string()),
            Some(new_number.to_string()),
        ) {
            changed.chapter_id = Set(chapter.id);
            changed.number = Set(number);
        }
    }
    let mut new_contributors = None;
    if let Some(unit_ids) = changes.contributing_unit_ids {
        let unit_ids = dedup(unit_ids);
        let before = contributor_ids(&txn, current.id).await?;
        let mut to = Vec::new();
        for id in &unit_ids {
            let unit = if before.contains(id) {
                unit_in_org(&txn, org, "contributingUnitIds", *id).await?
            } else {
                active_unit(&txn, org, "contributingUnitIds", *id).await?
            };
            to.push(unit.name);
        }
        let from = contributor_names(&txn, current.id).await?;
        to.sort();
        if record(EventKind::ContributingUnits, Some(from.join(", ")), Some(to.join(", "))) {
            new_contributors = Some(unit_ids);
        }
    }

    if let Some(archived) = changes.archived {
        let state = |archived: bool| archived.then(|| ARCHIVED.to_owned());
        if record(
            EventKind::Archived,
            state(current.archived_at.is_some()),
            state(archived),
        ) {
            changed.archived_at = Set(archived.then_some(now));
        }
    }

    if events.is_empty() {
        return Ok(current);
    }
    let action = save(&txn, &current, changed, now).await?;
    if let Some(unit_ids) = new_contributors {
        set_contributors(&txn, action.id, &unit_ids).await?;
    }
    write_events(&txn, key, &action, viewer, now, events, comment).await?;
    txn.commit().await?;
    Ok(action)
}

/// Sets the same responsible unit and/or deadline on many actions at once, each change in
/// its history; all or nothing. Admins and coordinators.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, actions = ids.len()))]
pub async fn update_many(
    db: &DatabaseConnection,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    ids: Vec<Uuid>,
    responsible_unit_id: Option<Uuid>,
    deadline: Option<NaiveDate>,
    comment: Option<String>,
) -> AppResult<Vec<action::Model>> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    if ids.is_empty() {
        return Err(AppError::validation("actionIds", "choose at least one action"));
    }
    if responsible_unit_id.is_none() && deadline.is_none() {
        return Err(AppError::validation(
            "responsibleUnitId",
            "give a unit or a deadline to set",
        ));
    }
    let txn = db.begin().await?;
    let mut saved = Vec::new();
    for id in dedup(ids) {
        let changes = ActionChanges {
            responsible_unit_id: responsible_unit_id.map(Some),
            deadline: deadline.map(Some),
            comment: comment.clone(),
            ..Default::default()
        };
        saved.push(update_action(&txn, key, viewer, now, id, None, changes).await?);
    }
    txn.commit().await?;
    Ok(saved)
}

/// Makes every suggested unit of a plan's actions (read from an imported document) their
/// responsible unit, in one step. Returns the actions changed.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %plan_id))]
pub async fn confirm_suggested_units(
    db: &DatabaseConnection,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    plan_id: Uuid,
) -> AppResult<Vec<action::Model>> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let txn = db.begin().await?;
    let suggested = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(viewer.organization_id))
        .filter(action::Column::PlanId.eq(plan_id))
        .filter(action::Column::SuggestedUnitId.is_not_null())
        .filter(action::Column::ResponsibleUnitId.is_null())
        .all(&txn)
        .await?;
    let mut saved = Vec::new();
    for action in suggested {
        let changes = ActionChanges {
            responsible_unit_id: Some(action.suggested_unit_id),
            comment: Some("Foreslått enhet fra importen bekreftet".to_owned()),
            ..Default::default()
        };
        saved.push(update_action(&txn, key, viewer, now, action.id, None, changes).await?);
    }
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %id))]
pub async fn action(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> AppResult<action::Model> {
    find_in_org::<action::Entity, _>(db, |a| a.organization_id, viewer.organization_id, "action", id).await
}

/// The action with its chapter, in one statement.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn action_with_chapter(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(action::Model, chapter::Model)> {
    action::Entity::find_by_id(id)
        .filter(action::Column::OrganizationId.eq(viewer.organization_id))
        .select_two_required(chapter::Entity)
        .join(JoinType::InnerJoin, <action::Entity as Related<chapter::Entity>>::to())
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("action", id))
}

/// The viewer's organization's actions matching the filter, in plan order and then
/// numerically by chapter and number (13.9 before 13.10).
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    filter: ActionFilter,
) -> AppResult<Vec<action::Model>> {
    let found = list_with_chapters(db, viewer, today, filter).await?;
    Ok(found.into_iter().map(|(action, _)| action).collect())
}

/// The action with its chapter and its history (oldest first), in one statement: the action
/// and its chapter in the first row, then a row of each event's own columns. A join would
/// repeat the action (its description, its tags) and its chapter on every event's row: on
/// the national benchmark's set that made the database's part of the statement about half as
/// dear again as the events alone.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn action_with_history(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(action::Model, chapter::Model, Vec<action_event::Model>)> {
    use sea_orm::{
        IdenStatic, Iterable, QueryTrait, Value,
        sea_query::{Alias, Expr, NullOrdering, Order, Query, SelectStatement, UnionType},
    };
    let [action_prefix, chapter_prefix, event_prefix] = [JOINED[0], JOINED[1], JOINED[2]];
    /// `E`'s columns under `prefix`, each NULL: the other rows' columns in this row.
    fn nulls<E: EntityTrait>(select: &mut SelectStatement, prefix: &str) {
        for column in E::Column::iter() {
            select.expr_as(Expr::cust("NULL"), Alias::new(format!("{prefix}{}", column.as_str())));
        }
    }
    let build = |v: &[Value]| {
        let mut statement = action::Entity::find()
            .filter(action::Column::Id.eq(v[0].clone()))
            .filter(action::Column::OrganizationId.eq(v[1].clone()))
            .select_also(chapter::Entity)
            .join(JoinType::InnerJoin, <action::Entity as Related<chapter::Entity>>::to())
            .into_query();
        nulls::<action_event::Entity>(&mut statement, event_prefix);
        let mut events = Query::select();
        nulls::<action::Entity>(&mut events, action_prefix);
        nulls::<chapter::Entity>(&mut events, chapter_prefix);
        for column in action_event::Column::iter() {
            events.expr_as(
                Expr::col((action_event::Entity, column)),
                Alias::new(format!("{event_prefix}{}", column.as_str())),
            );
        }
        events
            .from(action_event::Entity)
            .and_where(action_event::Column::ActionId.eq(v[0].clone()))
            .and_where(action_event::Column::OrganizationId.eq(v[1].clone()));
        statement.union(UnionType::All, events).order_by_with_nulls(
            Alias::new(format!("{event_prefix}id")),
            Order::Asc,
            NullOrdering::First,
        );
        statement
    };
    let values = vec![id.into(), viewer.organization_id.into()];
    let statement = kept::statement(db.get_database_backend(), ("actions::history", 0), values, build);
    let rows = db.query_all_raw(statement).await?;
    // The action's row comes first (its event id is NULL); without it there are no rows at
    // all, as the events are of the viewer's organization too.
    let not_found = || AppError::not_found("action", id);
    let first = rows.first().ok_or_else(not_found)?;
    let action = At::<action::Model>::of(first, action_prefix)?
        .read(first)?
        .ok_or_else(not_found)?;
    let chapter = At::<chapter::Model>::of(first, chapter_prefix)?.required(first)?;
    let event_at = At::<action_event::Model>::of(first, event_prefix)?;
    let mut events = Vec::with_capacity(rows.len() - 1);
    for row in &rows[1..] {
        events.push(event_at.required(row)?);
    }
    Ok((action, chapter, events))
}

/// `list`, each action with its chapter, read in the same statement.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn list_with_chapters(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    filter: ActionFilter,
) -> AppResult<Vec<(action::Model, chapter::Model)>> {
    use sea_orm::{QueryTrait, Value};
    // The shape of the statement: which conditions it has. The values go in by index.
    let overdue = filter.overdue == Some(true);
    let shape = [
        filter.archived,
        filter.plan_id.is_some(),
        filter.unit_id.is_some(),
        filter.status.is_some(),
        filter.deadline_before.is_some(),
        overdue,
    ]
    .iter()
    .enumerate()
    .fold(0, |shape, (bit, on)| shape | (u64::from(*on) << bit));
    let values: Vec<Value> = vec![
        viewer.organization_id.into(),
        filter.plan_id.into(),
        filter.unit_id.into(),
        filter.status.map_or(Value::String(None), Into::into),
        filter.deadline_before.into(),
        today.into(),
    ];
    let build = |v: &[Value]| {
        let mut query = match (filter.archived, filter.plan_id) {
            (true, _) => action::Entity::find().filter(action::Column::ArchivedAt.is_not_null()),
            // A plan's own list shows its actions also while the plan is archived.
            (false, Some(_)) => action::Entity::find().filter(action::Column::ArchivedAt.is_null()),
            (false, None) => action::Entity::find_active(),
        }
        .filter(action::Column::OrganizationId.eq(v[0].clone()));
        if filter.plan_id.is_some() {
            query = query.filter(action::Column::PlanId.eq(v[1].clone()));
        }
        if filter.unit_id.is_some() {
            query = query.filter(action::Column::ResponsibleUnitId.eq(v[2].clone()));
        }
        if filter.status.is_some() {
            query = query.filter(action::Column::Status.eq(v[3].clone()));
        }
        if filter.deadline_before.is_some() {
            query = query.filter(action::Column::Deadline.lt(v[4].clone()));
        }
        if overdue {
            // Narrowed in SQL; `is_overdue` below stays the one definition.
            let open = domain::Status::ALL.iter().copied().filter(|s| s.is_open());
            query = query
                .filter(action::Column::Deadline.lt(v[5].clone()))
                .filter(action::Column::Status.is_in(open));
        }
        // Sorted by the database, through the chapters' numbers: one statement, read by
        // position, each chapter decoded once.
        query
            .select_also(chapter::Entity)
            .join(JoinType::InnerJoin, <action::Entity as Related<chapter::Entity>>::to())
            .order_by_asc(action::Column::PlanId)
            .order_by_asc(chapter::Column::Number)
            .order_by_asc(action::Column::Number)
            .into_query()
    };
    let statement = kept::statement(db.get_database_backend(), ("actions::list", shape), values, build);
    let rows = db.query_all_raw(statement).await?;
    let mut actions: Vec<(action::Model, chapter::Model)> = Vec::with_capacity(rows.len());
    if let Some(first) = rows.first() {
        let (action_at, chapter_at) = (
            At::<action::Model>::of(first, JOINED[0])?,
            At::<chapter::Model>::of(first, JOINED[1])?,
        );
        for row in &rows {
            let action = action_at.required(row)?;
            let chapter = match actions.last() {
                Some((_, last)) if last.id == action.chapter_id => last.clone(),
                _ => chapter_at.required(row)?,
            };
            actions.push((action, chapter));
        }
    }
    if let Some(overdue) = filter.overdue {
        actions.retain(|(a, _)| is_overdue(a, today) == overdue);
    }
    Ok(actions)
}

pub fn is_overdue(action: &action::Model, today: NaiveDate) -> bool {
    domain::is_overdue(action.deadline, action.status.is_open(), today)
}

pub fn stored_tags(action: &action::Model) -> Vec<String> {
    serde_json::from_value(action.tags.clone()).unwrap_or_default()
}

struct Event {
    kind: EventKind,
    from: Option<String>,
    to: Option<String>,
}

async fn load_for_change(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    action_id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<action::Model> {
    let current =
        find_in_org::<action::Entity, _>(txn, |a| a.organization_id, viewer.organization_id, "action", action_id)
            .await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(stale(expected, current.version));
    }
    Ok(current)
}

fn stale(expected: i32, actual: i32) -> AppError {
    AppError::Conflict(format!(
        "the action was changed by someone else: expectedVersion is {expected} but the action is at version {actual}; \
         reload it and try again"
    ))
}

/// The update lost a race it did not ask to guard against (no `expectedVersion`).
fn changed_meanwhile() -> AppError {
    AppError::Conflict("someone else changed the action at the same moment; reload it and try again".into())
}

/// Writes a comment to an action's history without changing it: by admins and coordinators,
/// the leaders of its responsible or contributing units, and members of the leader teams
/// that follow its responsible unit.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action_id))]
pub async fn comment<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    action_id: Uuid,
    comment: String,
) -> AppResult<action_event::Model> {
    let comment = required_text("comment", &comment, MAX_TEXT)?;
    let txn = db.begin().await?;
    let action =
        find_in_org::<action::Entity, _>(&txn, |a| a.organization_id, viewer.organization_id, "action", action_id)
            .await?;
    not_archived(&action)?;
    let relation = policy::relation_to_action(&txn, viewer, &action).await?;
    authorize(viewer, Permission::Comment, relation)?;
    let event = Event {
        kind: EventKind::Comment,
        from: None,
        to: None,
    };
    let mut written = write_events(&txn, key, &action, viewer, now, vec![event], Some(comment)).await?;
    txn.commit().await?;
    Ok(written.remove(0))
}

/// A chapter got another number: each of its actions records its new number (a NUMBER
/// event) and a new version, in the caller's transaction.
pub(crate) async fn chapter_renumbered(
    txn: &impl ConnectionTrait,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    chapter_id: Uuid,
    (from, to): (i32, i32),
) -> AppResult<()> {
    let mut actions = action::Entity::find()
        .filter(action::Column::ChapterId.eq(chapter_id))
        .all(txn)
        .await?;
    actions.sort_by_key(|a| a.number);
    for current in actions {
        let number = |chapter: i32| domain::ActionNumber::new(chapter as u32, current.number as u32).to_string();
        let event = Event {
            kind: EventKind::Number,
            from: Some(number(from)),
            to: Some(number(to)),
        };
        let action = save(txn, &current, current.clone().into_active_model(), now).await?;
        let comment = format!("Kapittel {from} fikk nummer {to}");
        write_events(txn, key, &action, viewer, now, vec![event], Some(comment)).await?;
    }
    Ok(())
}

/// Status and progress: by the leaders of its responsible or contributing units, coordinators
/// and admins.
async fn may_follow_up(txn: &impl ConnectionTrait, viewer: &Viewer, action: &action::Model) -> AppResult<()> {
    let relation = policy::relation_to_action(txn, viewer, action).await?;
    authorize(viewer, Permission::FollowUp, relation)
}

/// Writes the change only if nobody else changed the action since it was read.
async fn save(
    txn: &impl ConnectionTrait,
    current: &action::Model,
    mut changed: action::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<action::Model> {
    changed.version = Set(current.version + 1);
    changed.updated_at = Set(now);
    let result = action::Entity::update_many()
        .set(changed)
        .filter(action::Column::Id.eq(current.id))
        .filter(action::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(changed_meanwhile());
    }
    action::Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("action", current.id))
}

async fn write_events(
    txn: &impl ConnectionTrait,
    key: &AuditKey,
    action: &action::Model,
    viewer: &Viewer,
    now: DateTime<Utc>,
    events: Vec<Event>,
    comment: Option<String>,
) -> AppResult<Vec<action_event::Model>> {
    let events = events
        .into_iter()
        .map(|event| history::NewEvent {
            organization_id: action.organization_id,
            action_id: action.id,
            at: now,
            actor_id: Some(viewer.person_id),
            kind: event.kind,
            from: event.from,
            to: event.to,
            comment: comment.clone(),
            via: viewer.via,
        })
        .collect();
    history::append(txn, key, events).await
}

async fn set_contributors(txn: &impl ConnectionTrait, action_id: Uuid, unit_ids: &[Uuid]) -> AppResult<()> {
    action_contributor::Entity::delete_many()
        .filter(action_contributor::Column::ActionId.eq(action_id))
        .exec(txn)
        .await?;
    let rows = unit_ids.iter().map(|unit_id| action_contributor::ActiveModel {
        action_id: Set(action_id),
        unit_id: Set(*unit_id),
    });
    action_contributor::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

async fn contributor_ids(txn: &impl ConnectionTrait, action_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(action_contributor::Entity::find()
        .filter(action_contributor::Column::ActionId.eq(action_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.unit_id)
        .collect())
}

async fn contributor_names(txn: &impl ConnectionTrait, action_id: Uuid) -> AppResult<Vec<String>> {
    let ids = contributor_ids(txn, action_id).await?;
    let mut names: Vec<String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect();
    names.sort();
    Ok(names)
}

async fn unit_in_org<C: ConnectionTrait>(db: &C, org: Uuid, field: &str, id: Uuid) -> AppResult<unit::Model> {
    unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.organization_id == org)
        .ok_or_else(|| AppError::validation(field, format!("no unit with id {id}")))
}

/// A unit that may be given new work: in the organization and not archived.
async fn active_unit<C: ConnectionTrait>(db: &C, org: Uuid, field: &str, id: Uuid) -> AppResult<unit::Model> {
    let unit = unit_in_org(db, org, field, id).await?;
    if unit.archived_at.is_some() {
        return Err(AppError::validation(
            field,
            format!("the unit {} is archived: choose an active unit", unit.name),
        ));
    }
    Ok(unit)
}

/// The value an ARCHIVED history event records for the archived state.
pub const ARCHIVED: &str = "ARCHIVED";

/// An archived action changes only by being brought back.
fn not_archived(action: &action::Model) -> AppResult<()> {
    if action.archived_at.is_some() {
        return Err(AppError::validation(
            "archived",
            "the action is archived: bring it back (archived: false) before changing it",
        ));
    }
    Ok(())
}

/// A chapter that takes new actions: neither it nor its plan is archived.
async fn open_chapter(txn: &impl ConnectionTrait, chapter: &chapter::Model) -> AppResult<()> {
    let plan_archived = plan::Entity::find_by_id(chapter.plan_id)
        .one(txn)
        .await?
        .is_some_and(|p| p.archived_at.is_some());
    if plan_archived || chapter.archived_at.is_some() {
        let what = if plan_archived { "plan" } else { "chapter" };
        return Err(AppError::validation(
            "chapterId",
            format!("the {what} is archived: it takes no new actions"),
        ));
    }
    Ok(())
}

/// A number not yet used in the chapter; archived actions keep theirs.
async fn number_free(
    txn: &impl ConnectionTrait,
    chapter: &chapter::Model,
    number: i32,
    except: Option<Uuid>,
) -> AppResult<()> {
    let mut taken = action::Entity::find()
        .filter(action::Column::ChapterId.eq(chapter.id))
        .filter(action::Column::Number.eq(number));
    if let Some(id) = except {
        taken = taken.filter(action::Column::Id.ne(id));
    }
    if let Some(taken) = taken.one(txn).await? {
        let number = domain::ActionNumber::new(chapter.number as u32, taken.number as u32);
        let archived = if taken.archived_at.is_some() { " (archived)" } else { "" };
        return Err(AppError::validation(
            "number",
            format!("action {number} already exists{archived}"),
        ));
    }
    Ok(())
}

fn tags(tags: Vec<String>) -> AppResult<Vec<String>> {
    if tags.len() > MAX_TAGS {
        return Err(AppError::validation(
            "tags",
            format!("at most {MAX_TAGS} tags are allowed"),
        ));
    }
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = required_text("tags", &tag, MAX_TAG)?;
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    Ok(clean)
}
