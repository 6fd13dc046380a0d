use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::{
    context::{ContextExt, parse_id, parse_ids, parse_opt_id},
    types::{Action, ActionEvent, Chapter, Date, Person, Plan, PreventionLevel, Recurrence, Role, Status, Team, Unit},
};
use crate::{
    error::{AppError, AppResult},
    import::Format,
    services::{
        actions, auth,
        imports::{self, Content},
        org, plans,
    },
};

#[derive(Default)]
pub struct BaseMutation;

#[derive(InputObject)]
pub struct CreateUnitInput {
    name: String,
    leader_name: String,
    leader_email: String,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateUnitInput {
    unit_id: ID,
    /// A new name; earlier years' reports keep showing the name the unit had then.
    name: Option<String>,
    leader_name: Option<String>,
    /// Where the unit's reminders go from now on.
    leader_email: Option<String>,
    /// Archived units keep their history and reports.
    archived: Option<bool>,
}

/// The same unit and/or deadline on many actions; all or nothing.
#[derive(InputObject)]
pub struct UpdateActionsInput {
    action_ids: Vec<ID>,
    responsible_unit_id: Option<ID>,
    deadline: Option<Date>,
    /// Why, kept in each action's history.
    comment: Option<String>,
}

/// Lists given replace the team's lists; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTeamInput {
    team_id: ID,
    name: Option<String>,
    member_ids: Option<Vec<ID>>,
    unit_ids: Option<Vec<ID>>,
}

/// Fields left out stay as they are; `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdatePlanInput {
    plan_id: ID,
    title: Option<String>,
    decision_ref: MaybeUndefined<String>,
    /// The unit that completes the plan's revisions and hears about them.
    owner_unit_id: MaybeUndefined<ID>,
    /// Cron expression: sec min hour day month weekday [year].
    evaluation_schedule: MaybeUndefined<String>,
    revision_schedule: MaybeUndefined<String>,
    adopted_on: MaybeUndefined<Date>,
    period_start: MaybeUndefined<i32>,
    period_end: MaybeUndefined<i32>,
    /// An archived plan keeps its history and reports, but gets no reminders, evaluation
    /// rounds or revisions.
    archived: Option<bool>,
}

/// Fields left out stay as they are; `unitId: null` leads no unit.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    person_id: ID,
    name: Option<String>,
    /// The address they sign in with and get their mail at; unique in the organization.
    email: Option<String>,
    role: Option<Role>,
    unit_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct CreatePersonInput {
    name: String,
    email: String,
    role: Role,
    unit_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CreateTeamInput {
    name: String,
    #[graphql(default)]
    member_ids: Vec<ID>,
    /// Units whose actions the team follows.
    #[graphql(default)]
    unit_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct CreatePlanInput {
    title: String,
    /// The council decision, e.g. "KST 032/24".
    decision_ref: Option<String>,
    adopted_on: Option<Date>,
    period_start: Option<i32>,
    period_end: Option<i32>,
    owner_unit_id: Option<ID>,
    /// Cron expression: sec min hour day month weekday [year], e.g. "0 0 8 15 1 * *".
    evaluation_schedule: Option<String>,
    /// Cron expression, e.g. "0 0 8 1 9 * 2025/2" (1 September every second year from 2025).
    revision_schedule: Option<String>,
}

#[derive(InputObject)]
pub struct AddChapterInput {
    plan_id: ID,
    number: i32,
    title: String,
}

#[derive(InputObject)]
pub struct AddActionInput {
    chapter_id: ID,
    /// Number within the chapter: 6 for "13.6".
    number: i32,
    title: String,
    description: Option<String>,
    responsible_unit_id: Option<ID>,
    #[graphql(default)]
    contributing_unit_ids: Vec<ID>,
    deadline: Option<Date>,
    progress: Option<i32>,
    prevention_level: Option<PreventionLevel>,
    #[graphql(default)]
    tags: Vec<String>,
    decision_ref: Option<String>,
    recurrence: Option<Recurrence>,
}

/// Only the fields given change; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateActionInput {
    action_id: ID,
    /// The version you read; a stale one gives CONFLICT and changes nothing.
    expected_version: Option<i32>,
    title: Option<String>,
    description: Option<String>,
    responsible_unit_id: MaybeUndefined<ID>,
    contributing_unit_ids: Option<Vec<ID>>,
    deadline: MaybeUndefined<Date>,
    progress: Option<i32>,
    prevention_level: MaybeUndefined<PreventionLevel>,
    tags: Option<Vec<String>>,
    decision_ref: MaybeUndefined<String>,
    recurrence: Option<Recurrence>,
    /// Moves the action to this chapter of the same plan (with `number`), or renumbers it.
    chapter_id: Option<ID>,
    /// The action's number in its (new) chapter; needs `chapterId`.
    number: Option<i32>,
    /// true archives the action instead of deleting it: it keeps its number and history and
    /// stays in the reports of the years it was followed up, but leaves lists, reminders and
    /// evaluation rounds. An archived action changes only with `archived: false`.
    archived: Option<bool>,
    /// Why, kept in the history.
    comment: Option<String>,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateChapterInput {
    chapter_id: ID,
    /// A new number; each of the chapter's actions records its new number in its history.
    number: Option<i32>,
    title: Option<String>,
    /// An archived chapter takes no new actions; only a chapter whose actions are all
    /// archived (or moved) can be archived.
    archived: Option<bool>,
}

#[derive(InputObject)]
pub struct UpdateActionStatusInput {
    action_id: ID,
    status: Status,
    /// Required for DELAYED, CANCELLED and for reopening a closed action.
    comment: Option<String>,
    /// The version you read; a stale one gives CONFLICT and changes nothing.
    expected_version: Option<i32>,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ImportFormat {
    Text,
    Csv,
    /// `content` is the workbook in base64.
    Xlsx,
    /// A tiltak JSON export.
    Json,
    /// A Word document; `content` is the file in base64.
    Docx,
    /// A PDF with text (not a scan); `content` is the file in base64.
    Pdf,
}

#[derive(InputObject)]
pub struct ImportPlanInput {
    /// The plan to import into; without it a new plan is created.
    plan_id: Option<ID>,
    /// Title of a new plan.
    title: Option<String>,
    format: ImportFormat,
    /// The file's content: text for TEXT, CSV and JSON; base64 for XLSX, DOCX and PDF.
    content: String,
    /// The heading of the list to read, when a text document holds several.
    section: Option<String>,
    /// Report what would happen and write nothing.
    #[graphql(default)]
    dry_run: bool,
}

/// What an import created, changed and left alone, by action number ("13.6").
#[derive(SimpleObject)]
pub struct ImportResult {
    created: Vec<String>,
    updated: Vec<String>,
    unchanged: Vec<String>,
    /// Actions the plan has but the document does not; they are never deleted.
    missing: Vec<String>,
    warnings: Vec<String>,
    /// Decision references, recurrence and suggested units read from the text.
    hints: Vec<String>,
    dry_run: bool,
    /// The plan; null after a dry run that would have created it.
    plan: Option<Plan>,
    /// Every action of the document in order: number, title, chapter and what the import
    /// does with it.
    actions: Vec<ImportedAction>,
    /// The numbered list that was read, when the document is text (also Word or PDF).
    list: Option<ImportedList>,
    /// The document's other numbered lists, not read; `section` chooses one by its heading.
    other_lists: Vec<ImportedList>,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(SimpleObject)]
pub struct ImportedAction {
    /// "13.6".
    number: String,
    title: String,
    /// The chapter's number and title; empty for a plan without chapters.
    chapter: String,
    outcome: ImportOutcome,
}

/// A numbered list found in a document.
#[derive(SimpleObject)]
pub struct ImportedList {
    /// The line it starts on.
    line: i32,
    /// The heading or lead-in above it.
    heading: Option<String>,
    /// Its first line, shortened.
    first_line: String,
    /// How many items it has.
    items: i32,
    /// It looks like a table of contents.
    contents: bool,
    /// One line for a person: where, under which heading, how many items, how it starts.
    summary: String,
}

impl From<crate::import::ListSummary> for ImportedList {
    fn from(list: crate::import::ListSummary) -> Self {
        ImportedList {
            summary: list.to_string(),
            line: i32::try_from(list.line).unwrap_or(i32::MAX),
            items: i32::try_from(list.actions).unwrap_or(i32::MAX),
            heading: list.heading,
            first_line: list.first_line,
            contents: list.contents,
        }
    }
}

/// `None` leaves the field alone, `Some(None)` clears it.
fn change<T, U>(value: MaybeUndefined<T>, convert: impl FnOnce(T) -> AppResult<U>) -> AppResult<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(convert(v)?)),
    })
}

#[Object]
impl BaseMutation {
    async fn create_unit(&self, ctx: &Context<'_>, input: CreateUnitInput) -> async_graphql::Result<Unit> {
        let state = ctx.state();
        let input = org::NewUnit {
            name: input.name,
            leader_name: input.leader_name,
            leader_email: input.leader_email,
        };
        Ok(Unit(
            org::create_unit(&state.db, ctx.viewer()?, state.now(), input).await?,
        ))
    }

    /// Renames a unit, changes its leader, or archives it. Admins and coordinators.
    async fn update_unit(&self, ctx: &Context<'_>, input: UpdateUnitInput) -> async_graphql::Result<Unit> {
        let state = ctx.state();
        let id = parse_id("unitId", &input.unit_id)?;
        let changes = org::UnitChanges {
            name: input.name,
            leader_name: input.leader_name,
            leader_email: input.leader_email,
            archived: input.archived,
        };
        Ok(Unit(
            org::update_unit(&state.db, ctx.viewer()?, state.now(), id, changes).await?,
        ))
    }

    /// Renames a leader team, sets its members or the units it follows. Admins and
    /// coordinators.
    async fn update_team(&self, ctx: &Context<'_>, input: UpdateTeamInput) -> async_graphql::Result<Team> {
        let state = ctx.state();
        let id = parse_id("teamId", &input.team_id)?;
        let changes = org::TeamChanges {
            name: input.name,
            member_ids: input
                .member_ids
                .as_deref()
                .map(|ids| parse_ids("memberIds", ids))
                .transpose()?,
            unit_ids: input
                .unit_ids
                .as_deref()
                .map(|ids| parse_ids("unitIds", ids))
                .transpose()?,
        };
        Ok(Team(org::update_team(&state.db, ctx.viewer()?, id, changes).await?))
    }

    /// Changes a plan's title, decision, adoption date, period, owner unit and schedules, or
    /// archives it. Admins and coordinators.
    async fn update_plan(&self, ctx: &Context<'_>, input: UpdatePlanInput) -> async_graphql::Result<Plan> {
        let state = ctx.state();
        let id = parse_id("planId", &input.plan_id)?;
        let changes = plans::PlanChanges {
            title: input.title,
            decision_ref: change(input.decision_ref, Ok)?,
            adopted_on: change(input.adopted_on, |d: Date| d.parse("adoptedOn"))?,
            period_start: change(input.period_start, Ok)?,
            period_end: change(input.period_end, Ok)?,
            owner_unit_id: change(input.owner_unit_id, |id| parse_id("ownerUnitId", &id))?,
            evaluation_schedule: change(input.evaluation_schedule, Ok)?,
            revision_schedule: change(input.revision_schedule, Ok)?,
            archived: input.archived,
        };
        Ok(Plan(
            plans::update_plan(&state.db, ctx.viewer()?, state.now(), id, changes).await?,
        ))
    }

    /// Renumbers, renames or archives a chapter. Admins and coordinators.
    async fn update_chapter(&self, ctx: &Context<'_>, input: UpdateChapterInput) -> async_graphql::Result<Chapter> {
        let state = ctx.state();
        let id = parse_id("chapterId", &input.chapter_id)?;
        let changes = plans::ChapterChanges {
            number: input.number,
            title: input.title,
            archived: input.archived,
        };
        let chapter =
            plans::update_chapter(&state.db, &state.audit_key, ctx.viewer()?, state.now(), id, changes).await?;
        state.history_changed();
        Ok(Chapter(chapter))
    }

    /// Sets one responsible unit and/or deadline on many actions at once. Admins and
    /// coordinators.
    async fn update_actions(&self, ctx: &Context<'_>, input: UpdateActionsInput) -> async_graphql::Result<Vec<Action>> {
        let state = ctx.state();
        let ids = parse_ids("actionIds", &input.action_ids)?;
        let unit = parse_opt_id("responsibleUnitId", input.responsible_unit_id.as_ref())?;
        let deadline = input.deadline.map(|d| d.parse("deadline")).transpose()?;
        let saved = actions::update_many(
            &state.db,
            &state.audit_key,
            ctx.viewer()?,
            state.now(),
            ids,
            unit,
            deadline,
            input.comment,
        )
        .await?;
        state.history_changed();
        Ok(saved.into_iter().map(Action).collect())
    }

    /// Makes each suggested unit of the plan's actions (read from an imported document) the
    /// responsible unit. Returns the actions changed. Admins and coordinators.
    async fn confirm_suggested_units(&self, ctx: &Context<'_>, plan_id: ID) -> async_graphql::Result<Vec<Action>> {
        let state = ctx.state();
        let id = parse_id("planId", &plan_id)?;
        let saved =
            actions::confirm_suggested_units(&state.db, &state.audit_key, ctx.viewer()?, state.now(), id).await?;
        state.history_changed();
        Ok(saved.into_iter().map(Action).collect())
    }

    /// Switches the plan's public page (`/offentlig/{planId}`, no sign-in) on or off. Admins.
    async fn set_plan_public(&self, ctx: &Context<'_>, plan_id: ID, public: bool) -> async_graphql::Result<Plan> {
        let state = ctx.state();
        let id = parse_id("planId", &plan_id)?;
        Ok(Plan(
            plans::set_public(&state.db, ctx.viewer()?, state.now(), id, public).await?,
        ))
    }

    /// Stops every reminder-email link sent to this address from working (a leader who left,
    /// a forwarded email). Returns how many links were revoked. Admins and coordinators.
    async fn revoke_email_links(&self, ctx: &Context<'_>, email: String) -> async_graphql::Result<i32> {
        let state = ctx.state();
        let revoked = auth::action_links::revoke(&state.db, ctx.viewer()?, &email, state.now()).await?;
        Ok(i32::try_from(revoked).unwrap_or(i32::MAX))
    }

    /// Signs a person out of the web pages everywhere (a lost laptop, someone who left): every
    /// session of that address ends. Returns how many. Admins and coordinators.
    async fn revoke_sessions(&self, ctx: &Context<'_>, email: String) -> async_graphql::Result<i32> {
        let state = ctx.state();
        let ended = auth::sessions::revoke_sessions(&state.db, ctx.viewer()?, &email, state.now()).await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Changes a person's name, role or the unit they lead. Admins and coordinators; only
    /// admins make or unmake an admin.
    async fn update_person(&self, ctx: &Context<'_>, input: UpdatePersonInput) -> async_graphql::Result<Person> {
        let state = ctx.state();
        let id = parse_id("personId", &input.person_id)?;
        let changes = org::PersonChanges {
            name: input.name,
            email: input.email,
            role: input.role.map(Into::into),
            unit_id: change(input.unit_id, |id| parse_id("unitId", &id))?,
        };
        Ok(Person(org::update_person(&state.db, ctx.viewer()?, id, changes).await?))
    }

    async fn create_person(&self, ctx: &Context<'_>, input: CreatePersonInput) -> async_graphql::Result<Person> {
        let state = ctx.state();
        let input = org::NewPerson {
            name: input.name,
            email: input.email,
            role: input.role.into(),
            unit_id: parse_opt_id("unitId", input.unit_id.as_ref())?,
        };
        Ok(Person(
            org::create_person(&state.db, ctx.viewer()?, state.now(), input).await?,
        ))
    }

    async fn create_team(&self, ctx: &Context<'_>, input: CreateTeamInput) -> async_graphql::Result<Team> {
        let state = ctx.state();
        let input = org::NewTeam {
            name: input.name,
            member_ids: parse_ids("memberIds", &input.member_ids)?,
            unit_ids: parse_ids("unitIds", &input.unit_ids)?,
        };
        Ok(Team(
            org::create_team(&state.db, ctx.viewer()?, state.now(), input).await?,
        ))
    }

    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> async_graphql::Result<Plan> {
        let state = ctx.state();
        let input = plans::NewPlan {
            title: input.title,
            decision_ref: input.decision_ref,
            adopted_on: input.adopted_on.map(|d| d.parse("adoptedOn")).transpose()?,
            period_start: input.period_start,
            period_end: input.period_end,
            owner_unit_id: parse_opt_id("ownerUnitId", input.owner_unit_id.as_ref())?,
            evaluation_schedule: input.evaluation_schedule,
            revision_schedule: input.revision_schedule,
        };
        Ok(Plan(
            plans::create_plan(&state.db, ctx.viewer()?, state.now(), input).await?,
        ))
    }

    async fn add_chapter(&self, ctx: &Context<'_>, input: AddChapterInput) -> async_graphql::Result<Chapter> {
        let input = plans::NewChapter {
            plan_id: parse_id("planId", &input.plan_id)?,
            number: input.number,
            title: input.title,
        };
        Ok(Chapter(
            plans::add_chapter(&ctx.state().db, ctx.viewer()?, input).await?,
        ))
    }

    async fn add_action(&self, ctx: &Context<'_>, input: AddActionInput) -> async_graphql::Result<Action> {
        let state = ctx.state();
        let input = actions::NewAction {
            chapter_id: parse_id("chapterId", &input.chapter_id)?,
            number: input.number,
            title: input.title,
            description: input.description,
            responsible_unit_id: parse_opt_id("responsibleUnitId", input.responsible_unit_id.as_ref())?,
            suggested_unit_id: None,
            contributing_unit_ids: parse_ids("contributingUnitIds", &input.contributing_unit_ids)?,
            deadline: input.deadline.map(|d| d.parse("deadline")).transpose()?,
            progress: input.progress,
            prevention_level: input.prevention_level.map(Into::into),
            tags: input.tags,
            decision_ref: input.decision_ref,
            recurrence: input.recurrence.map(Into::into),
        };
        Ok(Action(
            actions::add_action(&state.db, &state.audit_key, ctx.viewer()?, state.now(), input).await?,
        ))
    }

    /// Changes an action's fields; every changed field is kept in the history.
    async fn update_action(&self, ctx: &Context<'_>, input: UpdateActionInput) -> async_graphql::Result<Action> {
        let state = ctx.state();
        let action_id = parse_id("actionId", &input.action_id)?;
        let changes = actions::ActionChanges {
            title: input.title,
            description: input.description,
            responsible_unit_id: change(input.responsible_unit_id, |id| parse_id("responsibleUnitId", &id))?,
            contributing_unit_ids: input
                .contributing_unit_ids
                .map(|ids| parse_ids("contributingUnitIds", &ids))
                .transpose()?,
            deadline: change(input.deadline, |d: Date| d.parse("deadline"))?,
            progress: input.progress,
            prevention_level: change(input.prevention_level, |l| Ok(l.into()))?,
            tags: input.tags,
            decision_ref: change(input.decision_ref, Ok)?,
            recurrence: input.recurrence.map(Into::into),
            place: match (input.chapter_id, input.number) {
                (Some(chapter), Some(number)) => Some((parse_id("chapterId", &chapter)?, number)),
                (None, None) => None,
                (Some(_), None) => return Err(AppError::validation("number", "give the number with chapterId").into()),
                (None, Some(_)) => return Err(AppError::validation("chapterId", "give the chapter with number").into()),
            },
            archived: input.archived,
            comment: input.comment,
        };
        let viewer = ctx.viewer()?;
        let action = actions::update_action(
            &state.db,
            &state.audit_key,
            viewer,
            state.now(),
            action_id,
            input.expected_version,
            changes,
        )
        .await?;
        Ok(Action(action))
    }

    /// Imports a plan document or spreadsheet in one transaction; see `tiltak import`.
    async fn import_plan(&self, ctx: &Context<'_>, input: ImportPlanInput) -> async_graphql::Result<ImportResult> {
        let state = ctx.state();
        let viewer = ctx.viewer()?;
        let (format, content) = match input.format {
            ImportFormat::Text => (Format::Text, Content::Bytes(input.content.into_bytes())),
            ImportFormat::Csv => (Format::Csv, Content::Bytes(input.content.into_bytes())),
            ImportFormat::Json => (Format::Json, Content::Bytes(input.content.into_bytes())),
            ImportFormat::Xlsx => (Format::Xlsx, Content::Base64(input.content)),
            ImportFormat::Docx => (Format::Docx, Content::Base64(input.content)),
            ImportFormat::Pdf => (Format::Pdf, Content::Base64(input.content)),
        };
        let document = imports::read(viewer, format, content, input.section).await?;
        let target = match input.plan_id {
            Some(id) => imports::Target::Plan(parse_id("planId", &id)?),
            None => imports::Target::NewPlan(input.title),
        };
        let report = imports::import(
            &state.db,
            &state.audit_key,
            viewer,
            state.now(),
            &state.settings.public_url(),
            target,
            document,
            input.dry_run,
        )
        .await?;
        let plan = match report.dry_run {
            true => plans::plan(&state.db, viewer, report.plan_id).await.ok(),
            false => Some(plans::plan(&state.db, viewer, report.plan_id).await?),
        };
        Ok(ImportResult {
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            missing: report.missing,
            warnings: report.warnings,
            hints: report.hints,
            dry_run: report.dry_run,
            plan: plan.map(Plan),
            actions: report
                .actions
                .into_iter()
                .map(|a| ImportedAction {
                    number: a.number,
                    title: a.title,
                    chapter: a.chapter,
                    outcome: match a.outcome {
                        imports::Outcome::Created => ImportOutcome::Created,
                        imports::Outcome::Updated => ImportOutcome::Updated,
                        imports::Outcome::Unchanged => ImportOutcome::Unchanged,
                    },
                })
                .collect(),
            list: report.list.map(ImportedList::from),
            other_lists: report.other_lists.into_iter().map(ImportedList::from).collect(),
        })
    }

    /// Adds a comment to an action's history without changing it: by its unit leaders, the
    /// leader teams following its unit, coordinators and admins.
    async fn comment_action(
        &self,
        ctx: &Context<'_>,
        action_id: ID,
        comment: String,
    ) -> async_graphql::Result<ActionEvent> {
        let state = ctx.state();
        let action_id = parse_id("actionId", &action_id)?;
        Ok(ActionEvent(
            actions::comment(
                &state.db,
                &state.audit_key,
                ctx.viewer()?,
                state.now(),
                action_id,
                comment,
            )
            .await?,
        ))
    }

    /// Changes the status; DELAYED, CANCELLED and reopening need a comment.
    async fn update_action_status(
        &self,
        ctx: &Context<'_>,
        input: UpdateActionStatusInput,
    ) -> async_graphql::Result<Action> {
        let state = ctx.state();
        let action_id = parse_id("actionId", &input.action_id)?;
        let viewer = ctx.viewer()?;
        let action = actions::update_status(
            &state.db,
            &state.audit_key,
            viewer,
            state.now(),
            &state.settings.public_url(),
            action_id,
            input.status.into(),
            input.comment,
            input.expected_version,
        )
        .await?;
        Ok(Action(action))
    }
}
