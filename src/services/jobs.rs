//! The scheduled jobs' recorded runs as admins see them (GraphQL `jobRuns`, the Årshjul page).
//! Running the jobs is `crate::jobs`.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    Viewer,
    auth::{Permission, Relation, authorize},
};
use crate::{
    domain::JobOutcome,
    entities::{job_run, organization},
    error::AppResult,
    jobs::{self, Job},
};

/// Recorded runs, newest first, at most `limit`, older than the run `after` (admins). A run
/// covers every organization and its summary counts them all: with several organizations in
/// the deployment, their admins see when and how runs went, not the counts (`detail` is none).
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, job = ?job))]
pub async fn runs(
    db: &DatabaseConnection,
    viewer: &Viewer,
    job: Option<Job>,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Vec<job_run::Model>> {
    authorize(viewer, Permission::Operate, Relation::None)?;
    let mut runs = jobs::runs(db, job, limit, after).await?;
    if organization::Entity::find().count(db).await? > 1 {
        for run in &mut runs {
            run.detail = None;
        }
    }
    Ok(runs)
}

/// Each job's latest successful run, for the metrics.
#[tracing::instrument(skip_all)]
pub async fn last_successes(db: &DatabaseConnection) -> AppResult<Vec<job_run::Model>> {
    let mut last = Vec::new();
    for &job in Job::ALL {
        let run = job_run::Entity::find()
            .filter(job_run::Column::Job.eq(job))
            .filter(job_run::Column::Outcome.eq(JobOutcome::Succeeded))
            .order_by_desc(job_run::Column::FinishedAt)
            .one(db)
            .await?;
        last.extend(run);
    }
    Ok(last)
}
