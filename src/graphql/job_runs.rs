//! The scheduled jobs' recorded runs over GraphQL (admins).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{ContextExt, Page, parse_opt_id};
use crate::{entities::job_run, error::AppError, jobs, remote_enum, services};

remote_enum!(
    JobOutcome = "crate::domain::JobOutcome" { Running, Succeeded, Failed }
);

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

#[derive(Default)]
pub struct JobRunQuery;

#[Object]
impl JobRunQuery {
    /// Recorded job runs, newest first (admins).
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        job: Option<String>,
        #[graphql(default = 50)] first: i32,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<JobRun>> {
        let limit = Page::new(Some(first), None).size(ctx.state().settings.graphql.max_page)? as u64;
        let after = parse_opt_id("after", after.as_ref())?;
        let job = job
            .map(|name| name.parse::<jobs::Job>().map_err(|e| AppError::validation("job", e)))
            .transpose()?;
        let runs = services::jobs::runs(&ctx.state().db, ctx.viewer()?, job, limit, after).await?;
        Ok(runs.into_iter().map(JobRun::from).collect())
    }
}
