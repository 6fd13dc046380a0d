//! The yearly council report over GraphQL: `report` and `freezeReport`. The rendered files
//! are downloaded over HTTP at `/reports/{planId}/{year}.{md|html|csv|docx}`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    context::{ContextExt, parse_id, parse_opt_id},
    loaders::one,
    types::Person,
};
use crate::{
    report::Report,
    services::reports::{self, View},
};

/// A plan's report for a year: the frozen version presented to the council, or the live one.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct YearReport {
    /// True when this is the frozen version; it never changes.
    frozen: bool,
    /// SHA-256 of the report's canonical JSON.
    hash: String,
    frozen_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    frozen_by: Option<uuid::Uuid>,
    /// Paths of the rendered files (GET with the same token).
    downloads: Vec<String>,
    data: Report,
}

#[async_graphql::ComplexObject]
impl YearReport {
    /// Who froze it.
    async fn frozen_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.frozen_by else { return Ok(None) };
        Ok(one(ctx.loaders()?.person(), id).await?.map(Person))
    }
}

impl YearReport {
    fn new(year_report: reports::YearReport, query: &str) -> Self {
        let report = year_report.report;
        let base = format!("/reports/{}/{}", report.plan_id, report.year);
        YearReport {
            frozen: year_report.frozen.is_some(),
            hash: year_report.hash,
            frozen_at: year_report.frozen.as_ref().map(|f| f.frozen_at),
            frozen_by: year_report.frozen.and_then(|f| f.frozen_by),
            downloads: ["md", "html", "csv", "docx"]
                .iter()
                .map(|ext| format!("{base}.{ext}{query}"))
                .collect(),
            data: report,
        }
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The follow-up report of a plan for a year: status on 31 December from the history,
    /// what happened during the year, evaluations, flags and a summary. Limited to one unit
    /// (`unitId`) or one leader team's units (`teamId`) when given.
    async fn report(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        year: i32,
        unit_id: Option<ID>,
        team_id: Option<ID>,
    ) -> async_graphql::Result<YearReport> {
        let plan_id = parse_id("planId", &plan_id)?;
        let unit_id = parse_opt_id("unitId", unit_id.as_ref())?;
        let team_id = parse_opt_id("teamId", team_id.as_ref())?;
        let view = View::of(unit_id, team_id)?;
        let report = reports::report(&ctx.state().db, ctx.viewer()?, plan_id, year, view).await?;
        Ok(YearReport::new(report, &view.query()))
    }
}

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Stores the whole plan's report for the year as presented to the council, with its
    /// hash. Later changes never alter it (coordinators and admins, once per plan and year).
    async fn freeze_report(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        year: i32,
        #[graphql(desc = "Freeze even when the year has no actions or no updates (freezing is permanent).")]
        confirm_empty: Option<bool>,
    ) -> async_graphql::Result<YearReport> {
        let state = ctx.state();
        let plan_id = parse_id("planId", &plan_id)?;
        let report = reports::freeze(
            &state.db,
            &state.audit_key,
            ctx.viewer()?,
            state.now(),
            plan_id,
            year,
            confirm_empty.unwrap_or(false),
        )
        .await?;
        Ok(YearReport::new(report, ""))
    }
}
