//! The årshjul over GraphQL: evaluations, revisions, job runs, the outbox, calendar feeds and
//! the `actionEvents` subscription.

use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::Stream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{
    context::{ContextExt, Page, parse_id},
    loaders::one,
    types::{Action, ActionEvent, Person, Plan, Unit},
};
use crate::{
    entities::{calendar_feed, evaluation, job_run, notification, revision},
    error::AppError,
    jobs, remote_enum,
    services::{
        Viewer,
        auth::{Permission, Relation, authorize},
        calendar, evaluations, outbox, plans, revisions,
    },
};

remote_enum!(
    /// OPEN: waiting for the unit leader; SUBMITTED; OVERDUE: not submitted within the grace period.
    EvaluationStatus = "crate::domain::EvaluationStatus" { Open, Submitted, Overdue }
);
remote_enum!(
    /// Was the action carried out as planned? YES: ja, PARTLY: delvis, NO: nei.
    CarriedOut = "crate::domain::CarriedOut" { Yes, Partly, No }
);
remote_enum!(
    /// CONTINUE: videreføres, ADJUST: justeres, STOP: avsluttes.
    EvaluationDecision = "crate::domain::EvaluationDecision" { Continue, Adjust, Stop }
);
remote_enum!(
    RevisionStatus = "crate::domain::RevisionStatus" { Open, Done }
);
remote_enum!(
    /// PENDING: waiting to be sent (or for its next attempt); SENT; FAILED: gave up.
    NotificationStatus = "crate::domain::NotificationStatus" { Pending, Sent, Failed }
);
remote_enum!(
    /// Why a message was sent (its first section when it holds several).
    NotificationReason = "crate::domain::Reason" {
        DeadlineApproaching, Overdue, EvaluationOpen, EvaluationOverdue, RevisionDue, TeamDigest, StatusChange,
        NoOwner, SignIn
    }
);
remote_enum!(
    JobOutcome = "crate::domain::JobOutcome" { Running, Succeeded, Failed }
);

pub struct Evaluation(pub evaluation::Model);

#[Object]
impl Evaluation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The year evaluated.
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn status(&self) -> EvaluationStatus {
        self.0.status.into()
    }
    async fn action(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Action>> {
        Ok(one(&ctx.loaders()?.action, self.0.action_id).await?.map(Action))
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(&ctx.loaders()?.plan, self.0.plan_id).await?.map(Plan))
    }
    /// The responsible unit when the round opened.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(one(&ctx.loaders()?.unit, id).await?.map(Unit))
    }
    async fn opened_on(&self) -> NaiveDate {
        self.0.opened_on
    }
    /// After this day the evaluation is overdue.
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.submitted_by else { return Ok(None) };
        Ok(one(&ctx.loaders()?.person, id).await?.map(Person))
    }
    async fn carried_out(&self) -> Option<CarriedOut> {
        self.0.carried_out.map(Into::into)
    }
    /// What effect was seen.
    async fn effect(&self) -> Option<&str> {
        self.0.effect.as_deref()
    }
    async fn decision(&self) -> Option<EvaluationDecision> {
        self.0.decision.map(Into::into)
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
}

pub struct Revision(pub revision::Model);

#[Object]
impl Revision {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(&ctx.loaders()?.plan, self.0.plan_id).await?.map(Plan))
    }
    /// The plan's owner unit, whose leader does the revision.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(one(&ctx.loaders()?.unit, id).await?.map(Unit))
    }
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    async fn status(&self) -> RevisionStatus {
        self.0.status.into()
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
}

/// One recorded run of a scheduled job.
#[derive(SimpleObject)]
pub struct JobRun {
    id: ID,
    job: String,
    /// The cron occurrence (or `--at` moment) the run is for.
    scheduled_for: DateTime<Utc>,
    /// "schedule" or "manual".
    trigger: String,
    instance: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    outcome: JobOutcome,
    /// What the run did, or why it failed; hidden when several organizations share the
    /// deployment, since it counts them all.
    detail: Option<String>,
    attempts: i32,
}

impl From<job_run::Model> for JobRun {
    fn from(run: job_run::Model) -> Self {
        JobRun {
            id: ID(run.id.to_string()),
            outcome: run.outcome.into(),
            job: run.job.name().to_owned(),
            scheduled_for: run.scheduled_for,
            trigger: run.trigger.code().to_owned(),
            instance: run.instance,
            started_at: run.started_at,
            finished_at: run.finished_at,
            detail: run.detail,
            attempts: run.attempts,
        }
    }
}

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// "Name <address>".
    async fn recipient(&self) -> &str {
        &self.0.recipient
    }
    async fn reason(&self) -> NotificationReason {
        self.0.reason.into()
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The plain-text part.
    async fn body_text(&self) -> &str {
        &self.0.body_text
    }
    async fn status(&self) -> NotificationStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// The error of the last failed attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}

/// A calendar subscription. The URL holds the secret and is only returned when created.
#[derive(SimpleObject)]
pub struct CalendarFeed {
    id: ID,
    plan_id: Option<ID>,
    unit_id: Option<ID>,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    /// The .ics address to subscribe to; only set in `createCalendarFeed`'s answer.
    url: Option<String>,
}

impl CalendarFeed {
    fn new(feed: calendar_feed::Model, url: Option<String>) -> Self {
        CalendarFeed {
            id: ID(feed.id.to_string()),
            plan_id: feed.plan_id.map(|id| ID(id.to_string())),
            unit_id: feed.unit_id.map(|id| ID(id.to_string())),
            created_at: feed.created_at,
            revoked_at: feed.revoked_at,
            url,
        }
    }
}

#[derive(InputObject, Default)]
pub struct EvaluationFilter {
    plan_id: Option<ID>,
    /// Evaluations of actions this unit was responsible for when the round opened.
    unit_id: Option<ID>,
    year: Option<i32>,
    status: Option<EvaluationStatus>,
}

#[derive(InputObject, Default)]
pub struct NotificationFilter {
    status: Option<NotificationStatus>,
    reason: Option<NotificationReason>,
    /// Part of the recipient's name or address.
    recipient: Option<String>,
}

#[derive(InputObject)]
pub struct SubmitEvaluationInput {
    evaluation_id: ID,
    /// Was the action carried out as planned?
    carried_out: CarriedOut,
    /// What effect was seen.
    effect: String,
    /// Continue, adjust or stop the action.
    decision: EvaluationDecision,
    comment: Option<String>,
}

#[derive(InputObject)]
pub struct CreateCalendarFeedInput {
    /// A feed of one plan ...
    plan_id: Option<ID>,
    /// ... or of one unit's actions.
    unit_id: Option<ID>,
}

#[derive(Default)]
pub struct ArshjulQuery;

#[Object]
impl ArshjulQuery {
    /// Evaluations, newest year first.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        filter: Option<EvaluationFilter>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Evaluation>> {
        let page = Page::new(first, after);
        page.size(ctx.state().settings.graphql.max_page)?;
        let filter = filter.unwrap_or_default();
        let filter = evaluations::EvaluationFilter {
            plan_id: filter
                .plan_id
                .as_ref()
                .map(|id| parse_id("filter.planId", id))
                .transpose()?,
            unit_id: filter
                .unit_id
                .as_ref()
                .map(|id| parse_id("filter.unitId", id))
                .transpose()?,
            year: filter.year,
            status: filter.status.map(Into::into),
        };
        let found = evaluations::list(&ctx.state().db, ctx.viewer()?, filter).await?;
        Ok(page
            .apply(found, ctx.state().settings.graphql.max_page, |e| e.id.to_string())?
            .into_iter()
            .map(Evaluation)
            .collect())
    }

    /// Revision tasks, latest due first.
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        plan_id: Option<ID>,
        status: Option<RevisionStatus>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Revision>> {
        let page = Page::new(first, after);
        page.size(ctx.state().settings.graphql.max_page)?;
        let plan_id = plan_id.as_ref().map(|id| parse_id("planId", id)).transpose()?;
        let found = revisions::list(&ctx.state().db, ctx.viewer()?, plan_id, status.map(Into::into)).await?;
        Ok(page
            .apply(found, ctx.state().settings.graphql.max_page, |r| r.id.to_string())?
            .into_iter()
            .map(Revision)
            .collect())
    }

    /// Recorded job runs, newest first (admins).
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        job: Option<String>,
        #[graphql(default = 50)] first: i32,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<JobRun>> {
        authorize(ctx.viewer()?, Permission::Operate, Relation::None)?;
        let limit = Page::new(Some(first), None).size(ctx.state().settings.graphql.max_page)? as u64;
        let after = after.as_ref().map(|id| parse_id("after", id)).transpose()?;
        let job = job
            .map(|name| name.parse::<jobs::Job>().map_err(|e| AppError::validation("job", e)))
            .transpose()?;
        let db = &ctx.state().db;
        let runs = jobs::runs(db, job, limit, after).await.map_err(AppError::from)?;
        // A run covers every organization, and its summary counts them all: with several
        // organizations in the deployment, their admins see when and how runs went, not the counts.
        use sea_orm::PaginatorTrait;
        let shared = crate::entities::organization::Entity::find()
            .count(db)
            .await
            .map_err(AppError::from)?
            > 1;
        let mut runs: Vec<JobRun> = runs.into_iter().map(JobRun::from).collect();
        if shared {
            for run in &mut runs {
                run.detail = None;
            }
        }
        Ok(runs)
    }

    /// The outbox, newest first (admins).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        filter: Option<NotificationFilter>,
        #[graphql(default = 100)] first: i32,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Notification>> {
        let limit = Page::new(Some(first), None).size(ctx.state().settings.graphql.max_page)? as u64;
        let after = after.as_ref().map(|id| parse_id("after", id)).transpose()?;
        let filter = filter.unwrap_or_default();
        let filter = outbox::NotificationFilter {
            status: filter.status.map(Into::into),
            reason: filter.reason.map(Into::into),
            recipient: filter.recipient,
        };
        Ok(outbox::list(&ctx.state().db, ctx.viewer()?, filter, limit, after)
            .await?
            .into_iter()
            .map(Notification)
            .collect())
    }

    /// The viewer's calendar feeds (their URLs are not shown again).
    async fn calendar_feeds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CalendarFeed>> {
        let viewer = ctx.viewer()?;
        let feeds = calendar_feed::Entity::find()
            .filter(calendar_feed::Column::OrganizationId.eq(viewer.organization_id))
            .filter(calendar_feed::Column::CreatedBy.eq(viewer.person_id))
            .order_by_asc(calendar_feed::Column::CreatedAt)
            .all(&ctx.state().db)
            .await
            .map_err(AppError::from)?;
        Ok(feeds.into_iter().map(|f| CalendarFeed::new(f, None)).collect())
    }
}

#[derive(Default)]
pub struct ArshjulMutation;

#[Object]
impl ArshjulMutation {
    /// The responsible unit leader's assessment of the year; also by coordinators and admins.
    async fn submit_evaluation(
        &self,
        ctx: &Context<'_>,
        input: SubmitEvaluationInput,
    ) -> async_graphql::Result<Evaluation> {
        let state = ctx.state();
        let id = parse_id("evaluationId", &input.evaluation_id)?;
        let assessment = evaluations::Assessment {
            carried_out: input.carried_out.into(),
            effect: input.effect,
            decision: input.decision.into(),
            comment: input.comment,
        };
        let saved =
            evaluations::submit(&state.db, &state.audit_key, ctx.viewer()?, state.now(), id, assessment).await?;
        Ok(Evaluation(saved))
    }

    /// Marks a revision task done.
    async fn complete_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: Option<String>,
    ) -> async_graphql::Result<Revision> {
        let state = ctx.state();
        let id = parse_id("id", &id)?;
        Ok(Revision(
            revisions::complete(&state.db, ctx.viewer()?, state.now(), id, comment).await?,
        ))
    }

    /// Puts a failed or sent message back in the outbox (admins).
    async fn resend_notification(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Notification> {
        let state = ctx.state();
        let id = parse_id("id", &id)?;
        Ok(Notification(
            outbox::resend(&state.db, ctx.viewer()?, state.now(), id).await?,
        ))
    }

    /// A secret .ics address for a plan's or a unit's årshjul; give exactly one of the ids.
    async fn create_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: CreateCalendarFeedInput,
    ) -> async_graphql::Result<CalendarFeed> {
        let state = ctx.state();
        let scope = match (&input.plan_id, &input.unit_id) {
            (Some(plan), None) => calendar::Scope::Plan(parse_id("planId", plan)?),
            (None, Some(unit)) => calendar::Scope::Unit(parse_id("unitId", unit)?),
            _ => return Err(AppError::validation("planId", "give either planId or unitId").into()),
        };
        let base_url = state.settings.public_url();
        let (feed, url) = calendar::create_feed(&state.db, ctx.viewer()?, state.now(), &base_url, scope).await?;
        Ok(CalendarFeed::new(feed, Some(url)))
    }

    /// Stops a calendar feed's URL from working.
    async fn revoke_calendar_feed(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CalendarFeed> {
        let state = ctx.state();
        let id = parse_id("id", &id)?;
        Ok(CalendarFeed::new(
            calendar::revoke_feed(&state.db, ctx.viewer()?, state.now(), id).await?,
            None,
        ))
    }
}

pub struct Subscription;

/// How often a live subscription checks that its token is still valid.
const TOKEN_CHECK: Duration = Duration::from_secs(5);

#[Subscription]
impl Subscription {
    /// History events of a plan's actions as they are written, oldest first. The connection
    /// needs a token (`connection_init` payload `{"token": "..."}` or the Authorization header).
    /// At most `graphql.subscriptions_per_token` live at once per token and
    /// `graphql.subscriptions_per_connection` per connection.
    async fn action_events(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = ActionEvent> + use<>> {
        let state = ctx.state().clone();
        let viewer: Viewer = ctx.viewer()?.clone();
        let plan_id = parse_id("planId", &plan_id)?;
        plans::plan(&state.db, &viewer, plan_id).await?;
        let request = ctx
            .data_opt::<super::context::RequestContext>()
            .ok_or_else(|| AppError::Unauthenticated("subscriptions need a token".into()))?;
        let token = request
            .token
            .clone()
            .ok_or_else(|| AppError::Unauthenticated("subscriptions need a token".into()))?;
        let limits = &state.settings.graphql;
        let ticket = state
            .live
            .admit(
                &state.db,
                &state.history,
                viewer.organization_id,
                &token,
                &request.subscriptions,
                limits.subscriptions_per_token,
                limits.subscriptions_per_connection,
            )
            .map_err(|refused| {
                async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(refused.to_string()), |_, e| {
                    e.set("code", "RATE_LIMITED")
                })
            })?;
        let mut events = ticket.receiver();
        Ok(async_stream::stream! {
            // Held for as long as the stream lives: the place under the caps, and the feed.
            let _ticket = ticket;
            let mut check = tokio::time::interval(TOKEN_CHECK);
            check.tick().await;
            loop {
                tokio::select! {
                    received = events.recv() => match received {
                        Ok(live) if live.plan_id == plan_id => yield ActionEvent((*live.event).clone()),
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "actionEvents subscriber fell behind");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    },
                    _ = check.tick() => {
                        // A token revoked or expired since the connection opened ends the stream.
                        if crate::services::auth::authenticate(&state.db, &token, state.now()).await.is_err() {
                            break;
                        }
                    }
                }
            }
        })
    }
}
