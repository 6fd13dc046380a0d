//! Revision tasks of plans over GraphQL.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    context::{ContextExt, Page, parse_id, parse_opt_id},
    loaders::one,
    types::{Plan, Unit},
};
use crate::{entities::revision, remote_enum, services::revisions};

remote_enum!(
    RevisionStatus = "crate::domain::RevisionStatus" { Open, Done }
);

pub struct Revision(pub revision::Model);

#[Object]
impl Revision {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plan>> {
        Ok(one(ctx.loaders()?.plan(), self.0.plan_id).await?.map(Plan))
    }
    /// The plan's owner unit, whose leader does the revision.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(one(ctx.loaders()?.unit(), id).await?.map(Unit))
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

#[derive(Default)]
pub struct RevisionQuery;

#[Object]
impl RevisionQuery {
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
        let plan_id = parse_opt_id("planId", plan_id.as_ref())?;
        let found = revisions::list(&ctx.state().db, ctx.viewer()?, plan_id, status.map(Into::into)).await?;
        Ok(page
            .apply(found, ctx.state().settings.graphql.max_page, |r| r.id.to_string())?
            .into_iter()
            .map(Revision)
            .collect())
    }
}

#[derive(Default)]
pub struct RevisionMutation;

#[Object]
impl RevisionMutation {
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
}
