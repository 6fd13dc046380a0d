//! Evaluations over GraphQL: the yearly assessment of each action, listed and submitted.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    context::{ContextExt, Page, parse_id, parse_opt_id},
    loaders::one,
    types::{Action, Person, Plan, Unit},
};
use crate::{entities::evaluation, remote_enum, services::evaluations};

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
        Ok(one(ctx.loaders()?.action(), self.0.action_id).await?.map(Action))
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(ctx.loaders()?.plan(), self.0.plan_id).await?.map(Plan))
    }
    /// The responsible unit when the round opened.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
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
        Ok(one(ctx.loaders()?.person(), id).await?.map(Person))
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

#[derive(InputObject, Default)]
pub struct EvaluationFilter {
    plan_id: Option<ID>,
    /// Evaluations of actions this unit was responsible for when the round opened.
    unit_id: Option<ID>,
    year: Option<i32>,
    status: Option<EvaluationStatus>,
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

#[derive(Default)]
pub struct EvaluationQuery;

#[Object]
impl EvaluationQuery {
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
            plan_id: parse_opt_id("filter.planId", filter.plan_id.as_ref())?,
            unit_id: parse_opt_id("filter.unitId", filter.unit_id.as_ref())?,
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
}

#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
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
}
