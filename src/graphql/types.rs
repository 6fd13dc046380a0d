//! GraphQL output types. Each wraps a database model and resolves related objects through
//! the request's loaders.

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    context::{ContextExt, Page},
    loaders::{Loaders, each, many, one},
};
use crate::{
    domain::{self, ActionNumber},
    entities::{action, action_event, chapter, person, plan, team, unit},
    services::{actions, plans},
};

#[macro_export]
#[doc(hidden)]
macro_rules! remote_enum {
    ($(#[$meta:meta])* $name:ident = $remote:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($variant),+ }
    };
}

remote_enum!(
    /// Follow-up status. NOT_STARTED: ikke startet, IN_PROGRESS: pågår, DELAYED: forsinket,
    /// COMPLETED: gjennomført, CONTINUED: videreført i drift, CANCELLED: avsluttet.
    Status = "crate::domain::Status" { NotStarted, InProgress, Delayed, Completed, Continued, Cancelled }
);
remote_enum!(
    /// How often an action comes back for follow-up.
    Recurrence = "crate::domain::Recurrence" { None, Continuous, Annual, Biennial, OnDemand }
);
remote_enum!(
    /// Prevention level: universal (green), selective (yellow), indicated (red).
    PreventionLevel = "crate::domain::PreventionLevel" { Universal, Selective, Indicated }
);
remote_enum!(
    /// What a person may do.
    Role = "crate::domain::Role" { Admin, Coordinator, UnitLeader, TeamMember, Viewer }
);
remote_enum!(
    /// What a history entry records.
    EventKind = "crate::domain::EventKind" {
        Created, Status, Progress, Title, Description, Deadline, ResponsibleUnit, ContributingUnits,
        PreventionLevel, Tags, Recurrence, DecisionRef, Number, Evaluated, Comment, Archived
    }
);

/// A date given as input: 2026-12-31 or, as Norwegians write it, 31.12.2026, in the years 2000
/// to 2100. The scalar keeps the text, and the resolver parses it with the field's name, so a
/// bad date is a VALIDATION error naming the field (a scalar's own error cannot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Date(String);

impl Date {
    pub fn parse(&self, field: &str) -> crate::error::AppResult<NaiveDate> {
        Ok(domain::parse_date(field, &self.0)?)
    }
}

/// A date: 2026-12-31 or 31.12.2026, in the years 2000 to 2100.
#[async_graphql::Scalar(name = "Date")]
impl async_graphql::ScalarType for Date {
    fn parse(value: async_graphql::Value) -> async_graphql::InputValueResult<Self> {
        match value {
            async_graphql::Value::String(text) => Ok(Date(text)),
            other => Err(async_graphql::InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.0.clone())
    }
}

pub struct Plan(pub plan::Model);

#[Object]
impl Plan {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Whether the plan has a public page at `/offentlig/{id}` (no sign-in).
    async fn public(&self) -> bool {
        self.0.public_since.is_some()
    }
    /// An archived plan keeps its history and reports, but gets no reminders, evaluation
    /// rounds or revisions.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// The council decision that adopted the plan, e.g. "KST 032/24".
    async fn decision_ref(&self) -> Option<&str> {
        self.0.decision_ref.as_deref()
    }
    async fn adopted_on(&self) -> Option<NaiveDate> {
        self.0.adopted_on
    }
    async fn period_start(&self) -> Option<i32> {
        self.0.period_start
    }
    async fn period_end(&self) -> Option<i32> {
        self.0.period_end
    }
    async fn owner_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.owner_unit_id else {
            return Ok(None);
        };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
    }
    /// Cron expression (sec min hour day month weekday [year]) of the plan's evaluations.
    async fn evaluation_schedule(&self) -> Option<&str> {
        self.0.evaluation_schedule.as_deref()
    }
    /// Cron expression of the plan's revisions, e.g. "0 0 8 1 9 * 2025/2".
    async fn revision_schedule(&self) -> Option<&str> {
        self.0.revision_schedule.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Chapters in numeric order; the archived ones only with `archived: true` (then only they).
    async fn chapters(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] archived: bool,
    ) -> async_graphql::Result<Vec<Chapter>> {
        let chapters = many(ctx.loaders()?.chapters_by_plan(), self.0.id).await?;
        Ok(chapters
            .into_iter()
            .filter(|c| c.archived_at.is_some() == archived)
            .map(Chapter)
            .collect())
    }
    /// Counts of actions per status, overall and per chapter.
    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<PlanProgress> {
        let progress = plans::progress(&ctx.state().db, &self.0).await?;
        Ok(PlanProgress {
            overall: progress.overall.into(),
            chapters: progress
                .chapters
                .into_iter()
                .map(|(chapter, counts)| ChapterProgress {
                    chapter: Chapter(chapter),
                    counts: counts.into(),
                })
                .collect(),
        })
    }
}

#[derive(SimpleObject)]
pub struct PlanProgress {
    overall: StatusCounts,
    chapters: Vec<ChapterProgress>,
}

#[derive(SimpleObject)]
pub struct ChapterProgress {
    chapter: Chapter,
    counts: StatusCounts,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct StatusCounts {
    total: u64,
    /// One entry per status, zeros included, in the order of the Status enum.
    by_status: Vec<StatusCount>,
    /// Mean progress of the actions in percent.
    average_progress: f64,
}

#[ComplexObject]
impl StatusCounts {
    /// Count for one status.
    async fn count(&self, status: Status) -> u64 {
        self.by_status
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.count)
    }
}

#[derive(SimpleObject)]
pub struct StatusCount {
    status: Status,
    /// The status in Norwegian, e.g. "Pågår".
    label: String,
    count: u64,
}

impl From<plans::StatusCounts> for StatusCounts {
    fn from(counts: plans::StatusCounts) -> Self {
        StatusCounts {
            total: counts.total,
            by_status: counts
                .by_status
                .into_iter()
                .map(|(status, count)| StatusCount {
                    status: status.into(),
                    label: status.label().into(),
                    count,
                })
                .collect(),
            average_progress: counts.average_progress,
        }
    }
}

pub struct Chapter(pub chapter::Model);

#[Object]
impl Chapter {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The chapter number ("Kap 13" is 13); 0 holds the actions of a plan without chapters.
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(ctx.loaders()?.plan(), self.0.plan_id).await?.map(Plan))
    }
    /// An archived chapter holds only archived actions and takes no new ones.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// Actions in numeric order (13.9 before 13.10); the archived ones only with
    /// `archived: true` (then only they).
    async fn actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] archived: bool,
    ) -> async_graphql::Result<Vec<Action>> {
        Ok(many(ctx.loaders()?.actions_by_chapter(), self.0.id)
            .await?
            .into_iter()
            .filter(|a| a.archived_at.is_some() == archived)
            .map(Action)
            .collect())
    }
}

pub struct Action(pub action::Model);

#[Object]
impl Action {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The full number, chapter and number: "13.6".
    async fn number(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let chapter = one(ctx.loaders()?.chapter(), self.0.chapter_id).await?;
        let chapter_number = chapter.map_or(0, |c| c.number);
        Ok(ActionNumber::new(chapter_number as u32, self.0.number as u32).to_string())
    }
    /// The number within the chapter: 6 in "13.6".
    async fn number_in_chapter(&self) -> i32 {
        self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn status(&self) -> Status {
        self.0.status.into()
    }
    /// The status in Norwegian, e.g. "Videreført i drift".
    async fn status_label(&self) -> &'static str {
        self.0.status.label()
    }
    async fn deadline(&self) -> Option<NaiveDate> {
        self.0.deadline
    }
    /// Open and past its deadline (dates in Europe/Oslo).
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        actions::is_overdue(&self.0, ctx.state().today())
    }
    /// Percent done, 0–100.
    async fn progress(&self) -> i32 {
        self.0.progress
    }
    /// Archived instead of deleted: it keeps its number and history and stays in the reports
    /// of the years it was followed up, but leaves lists, reminders and evaluation rounds.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    async fn chapter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Chapter>> {
        Ok(one(ctx.loaders()?.chapter(), self.0.chapter_id).await?.map(Chapter))
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(ctx.loaders()?.plan(), self.0.plan_id).await?.map(Plan))
    }
    async fn responsible_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.responsible_unit_id else {
            return Ok(None);
        };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
    }
    /// A responsible unit an import read from the text, for a coordinator to confirm by
    /// setting `responsibleUnitId`.
    async fn suggested_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.suggested_unit_id else {
            return Ok(None);
        };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
    }
    async fn contributing_units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let loaders = ctx.loaders()?;
        let links = many(loaders.contributors_by_action(), self.0.id).await?;
        Ok(each(loaders.unit(), links.into_iter().map(|l| l.unit_id))
            .await?
            .into_iter()
            .map(Unit)
            .collect())
    }
    async fn prevention_level(&self) -> Option<PreventionLevel> {
        self.0.prevention_level.map(Into::into)
    }
    async fn tags(&self) -> Vec<String> {
        actions::stored_tags(&self.0)
    }
    /// Set when the council added or changed the action, e.g. "KST 032/24".
    async fn decision_ref(&self) -> Option<&str> {
        self.0.decision_ref.as_deref()
    }
    async fn recurrence(&self) -> Recurrence {
        self.0.recurrence.into()
    }
    /// Send it back as `expectedVersion` to make sure nobody changed the action meanwhile.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every change, oldest first; `after` is an event's id.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<ActionEvent>> {
        let events = many(ctx.loaders()?.events_by_action(), self.0.id).await?;
        Ok(Page::new(first, after)
            .apply(events, ctx.state().settings.graphql.max_page, |e| e.id.to_string())?
            .into_iter()
            .map(ActionEvent)
            .collect())
    }
}

pub struct ActionEvent(pub action_event::Model);

#[Object]
impl ActionEvent {
    /// The event's place in its organization's history (for `history(after:)`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }
    /// The value before the change (a status code for STATUS events).
    async fn from(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }
    /// The value after the change.
    async fn to(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(one(ctx.loaders()?.person(), id).await?.map(Person))
    }
}

pub struct Unit(pub unit::Model);

#[Object]
impl Unit {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn leader_name(&self) -> &str {
        &self.0.leader_name
    }
    /// Archived units keep their history and reports.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// Where reminders for the unit's actions go.
    async fn leader_email(&self) -> &str {
        &self.0.leader_email
    }
    /// Actions the unit is responsible for; `after` is an action's id.
    async fn actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Action>> {
        let loaders = ctx.loaders()?;
        let mut actions = many(loaders.actions_by_unit(), self.0.id).await?;
        actions.retain(|a| a.archived_at.is_none());
        let sorted = sorted_actions(loaders, actions).await?;
        Ok(Page::new(first, after).apply(sorted, ctx.state().settings.graphql.max_page, |a| a.0.id.to_string())?)
    }
}

pub struct Person(pub person::Model);

#[Object]
impl Person {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The unit given them in tiltak (`updatePerson(unitId)`).
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
    }
    /// Every unit they lead, by name: the unit given them and each unit whose leader email is
    /// theirs (`updateUnit(leaderEmail)`). A unit leader follows up the actions of all of them.
    async fn leads(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let p = &self.0;
        let units =
            crate::services::auth::policy::led_by(&ctx.state().db, p.organization_id, &p.email, p.unit_id).await?;
        Ok(units.into_iter().map(Unit).collect())
    }
}

pub struct Team(pub team::Model);

#[Object]
impl Team {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let loaders = ctx.loaders()?;
        let links = many(loaders.members_by_team(), self.0.id).await?;
        Ok(each(loaders.person(), links.into_iter().map(|l| l.person_id))
            .await?
            .into_iter()
            .map(Person)
            .collect())
    }
    /// The units whose actions the team follows.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let loaders = ctx.loaders()?;
        let links = many(loaders.units_by_team(), self.0.id).await?;
        Ok(each(loaders.unit(), links.into_iter().map(|l| l.unit_id))
            .await?
            .into_iter()
            .map(Unit)
            .collect())
    }
}

/// Actions in plan order and numerically by chapter and number, chapters loaded in one batch.
pub async fn sorted_actions(loaders: &Loaders, mut actions: Vec<action::Model>) -> async_graphql::Result<Vec<Action>> {
    let chapters = each(loaders.chapter(), actions.iter().map(|a| a.chapter_id)).await?;
    let number: std::collections::HashMap<_, _> = chapters.into_iter().map(|c| (c.id, c.number)).collect();
    actions.sort_by_key(|a| (a.plan_id, number.get(&a.chapter_id).copied(), a.number));
    Ok(actions.into_iter().map(Action).collect())
}
