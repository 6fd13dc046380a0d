use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::{
    context::{ContextExt, Page, parse_id, parse_opt_id},
    prefetch,
    types::{Action, Date, Person, Plan, Status, Team, Unit},
};
use crate::{
    entities::person,
    import,
    services::{actions, imports, org, plans},
};

#[derive(Default)]
pub struct BaseQuery;

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(InputObject, Default)]
pub struct ActionFilter {
    plan_id: Option<ID>,
    /// Actions this unit is responsible for.
    unit_id: Option<ID>,
    status: Option<Status>,
    /// true: open actions past their deadline; false: all others.
    overdue: Option<bool>,
    /// Actions with a deadline before this date.
    deadline_before: Option<Date>,
    /// true: only the archived actions. Otherwise the ones followed up: not archived, and
    /// (unless `planId` names the plan) not in an archived plan.
    archived: Option<bool>,
}

#[Object]
impl BaseQuery {
    /// The person behind the token, or null without one.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Ok(viewer) = ctx.viewer() else { return Ok(None) };
        let person = person::Model {
            id: viewer.person_id,
            organization_id: viewer.organization_id,
            name: viewer.name.clone(),
            email: viewer.email.clone(),
            role: viewer.role,
            unit_id: viewer.unit_id,
            created_at: Default::default(),
            entra_oid: None,
        };
        Ok(Some(Person(person)))
    }

    /// The organization's plans; `after` is a plan's id. Archived plans only with
    /// `archived: true` (then only they).
    async fn plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
        #[graphql(default = false)] archived: bool,
    ) -> async_graphql::Result<Vec<Plan>> {
        let state = ctx.state();
        let found = plans::plans(&state.db, ctx.viewer()?, Some(archived)).await?;
        let page = Page::new(first, after).apply(found, state.settings.graphql.max_page, |p| p.id.to_string())?;
        prefetch::plans(ctx, ctx.look_ahead(), &page).await?;
        Ok(page.into_iter().map(Plan).collect())
    }

    async fn plan(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Plan> {
        let (db, viewer, id) = (&ctx.state().db, ctx.viewer()?, parse_id("id", &id)?);
        let look = ctx.look_ahead();
        if let Some(with_units) = prefetch::tree_wanted(ctx, &look)? {
            let (plan, tree) = plans::plan_with_tree(db, viewer, id, with_units).await?;
            prefetch::plan_with_tree(ctx, look, &plan, tree).await?;
            return Ok(Plan(plan));
        }
        let plan = plans::plan(db, viewer, id).await?;
        prefetch::plans(ctx, look, std::slice::from_ref(&plan)).await?;
        Ok(Plan(plan))
    }

    async fn action(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Action> {
        let (db, viewer, id) = (&ctx.state().db, ctx.viewer()?, parse_id("id", &id)?);
        let look = ctx.look_ahead();
        if prefetch::history_wanted(ctx, &look)? {
            let (action, chapter, history) = actions::action_with_history(db, viewer, id).await?;
            prefetch::action_with_history(ctx, look, &action, &chapter, history).await?;
            return Ok(Action(action));
        }
        let found = actions::action_with_chapter(db, viewer, id).await?;
        prefetch::actions(ctx, look, std::slice::from_ref(&found)).await?;
        Ok(Action(found.0))
    }

    /// Actions matching every given condition, sorted by plan and numerically by number;
    /// `after` is an action's id.
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilter>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Action>> {
        let page = Page::new(first, after);
        page.size(ctx.state().settings.graphql.max_page)?;
        let filter = filter.unwrap_or_default();
        let filter = actions::ActionFilter {
            plan_id: parse_opt_id("filter.planId", filter.plan_id.as_ref())?,
            unit_id: parse_opt_id("filter.unitId", filter.unit_id.as_ref())?,
            status: filter.status.map(Into::into),
            overdue: filter.overdue,
            deadline_before: filter.deadline_before.map(|d| d.parse("deadlineBefore")).transpose()?,
            archived: filter.archived.unwrap_or(false),
        };
        let state = ctx.state();
        let found = actions::list_with_chapters(&state.db, ctx.viewer()?, state.today(), filter).await?;
        let found = page.apply(found, state.settings.graphql.max_page, |(a, _)| a.id.to_string())?;
        prefetch::actions(ctx, ctx.look_ahead(), &found).await?;
        Ok(found.into_iter().map(|(action, _)| Action(action)).collect())
    }

    /// The plan as CSV (one row per action, Norwegian headers) or JSON; importing it again
    /// gives the same plan.
    async fn export_plan(&self, ctx: &Context<'_>, plan_id: ID, format: ExportFormat) -> async_graphql::Result<String> {
        let document = imports::export(&ctx.state().db, ctx.viewer()?, parse_id("planId", &plan_id)?).await?;
        Ok(match format {
            ExportFormat::Csv => import::table::write_csv(&document),
            ExportFormat::Json => serde_json::to_string_pretty(&document)?,
        })
    }

    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let viewer = ctx.viewer()?;
        let units = org::units(&ctx.state().db, viewer.organization_id).await?;
        prefetch::units(ctx, ctx.look_ahead(), &units).await?;
        Ok(units.into_iter().map(Unit).collect())
    }

    async fn unit(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Unit> {
        let unit = org::unit(&ctx.state().db, ctx.viewer()?, parse_id("id", &id)?).await?;
        prefetch::units(ctx, ctx.look_ahead(), std::slice::from_ref(&unit)).await?;
        Ok(Unit(unit))
    }

    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Team>> {
        let viewer = ctx.viewer()?;
        Ok(org::teams(&ctx.state().db, viewer.organization_id)
            .await?
            .into_iter()
            .map(Team)
            .collect())
    }
}
