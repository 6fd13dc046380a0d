//! The årshjul's scheduled jobs: running one for a given moment with a claim that makes it
//! run once however many instances try. What each job does is its own module, behind
//! [`JobWork`]; this module claims, runs and records, the same for all of them.

mod annual_evaluation;
mod deadline_reminders;
mod plan_revision;
mod scheduler;
mod weekly_digest;

pub use scheduler::{Scheduler, spawn_background};

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait, sea_query::Expr, sea_query::ExprTrait,
};
use uuid::Uuid;

use crate::{
    config::{JobSettings, Settings},
    domain::{CronSchedule, JobOutcome, today_in_oslo},
    entities::{job_run, organization},
    error::AppError,
    services::{outbox, reminders},
    state::AppState,
};

crate::domain::code_enum! {
    /// The scheduled jobs; their names are part of the contract (config, CLI, `jobRuns`).
    Job as "job" {
        /// Daily: reminders to unit leaders (deadlines approaching, overdue actions, evaluations
        /// open and overdue, revisions due), one digest per recipient.
        DeadlineReminders = "deadline-reminders",
        /// Weekly: leader teams get their units' overdue and delayed actions.
        WeeklyDigest = "weekly-digest",
        /// Yearly: opens the evaluation round for the previous year.
        AnnualEvaluation = "annual-evaluation",
        /// Daily: checks each plan's own revision (and evaluation) expression.
        PlanRevision = "plan-revision",
    }
}

/// The dispatcher runs continuously, not on a cron expression; listed for operators.
pub const OUTBOX_DISPATCH: &str = "outbox-dispatch";

impl Job {
    /// The job's name (its code): in the configuration, the CLI and `job_run.job`.
    pub fn name(self) -> &'static str {
        self.code()
    }

    /// The module that does the job.
    fn work(self) -> &'static dyn JobWork {
        match self {
            Job::DeadlineReminders => &deadline_reminders::DeadlineReminders,
            Job::WeeklyDigest => &weekly_digest::WeeklyDigest,
            Job::AnnualEvaluation => &annual_evaluation::AnnualEvaluation,
            Job::PlanRevision => &plan_revision::PlanRevision,
        }
    }
}

/// What one scheduled job does. [`run`] calls it once, for every organization together,
/// inside the run's transaction, enqueues what it returns, and records its summary with the
/// outcome.
#[async_trait::async_trait]
trait JobWork: Sync {
    /// The key of its cron expression in the configuration (`jobs.weekly_digest`).
    fn config_key(&self) -> &'static str;

    /// Its cron expression as configured.
    fn expression<'a>(&self, jobs: &'a JobSettings) -> &'a str;

    /// The work for the organizations of `catalogs` (all of them): rows it creates are added
    /// to `round.created`, and the reminders it finds are returned for the outbox.
    async fn run(&self, round: &mut Round<'_>, catalogs: &reminders::Catalogs) -> anyhow::Result<Vec<outbox::Pending>>;

    /// The run's one-line summary, once every organization is done.
    fn summary(&self, round: &Round<'_>) -> String;
}

/// One run of a job, as its module sees it.
struct Round<'a> {
    settings: &'a Settings,
    txn: &'a DatabaseTransaction,
    job: Job,
    at: DateTime<Utc>,
    /// The Oslo day of `at`.
    today: NaiveDate,
    /// Messages enqueued so far.
    messages: usize,
    /// Rows (evaluations, revisions) the job created or changed so far.
    created: usize,
}

/// Each job with its parsed cron expression.
#[derive(Debug, Clone)]
pub struct Jobs(pub Vec<(Job, CronSchedule)>);

impl Jobs {
    /// Parses the expressions in `[jobs]`; a bad one names its key.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let config = &settings.jobs;
        Job::ALL
            .iter()
            .copied()
            .map(|job| {
                let work = job.work();
                let schedule = work
                    .expression(config)
                    .parse()
                    .map_err(|e| anyhow::anyhow!("invalid configuration: {}: {e}", work.config_key()))?;
                Ok((job, schedule))
            })
            .collect::<anyhow::Result<_>>()
            .map(Jobs)
    }
}

crate::domain::code_enum! {
    /// What started a run.
    Trigger {
        Schedule = "schedule",
        /// `tiltak jobs run`.
        Manual = "manual",
    }
}

/// A name for this process in `job_run.instance`.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tiltak".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Runs `job` as of `at`, once: the run is claimed first (a unique row per job and moment), so
/// another instance, or a repeat for the same moment, finds it taken and does nothing (`None`).
/// A failed run, or one whose lease ran out, may be claimed again. The job's work and the
/// emails it enqueues are written in one transaction with its outcome.
#[tracing::instrument(skip(state, instance), fields(%job, %at, %trigger))]
pub async fn run(
    state: &AppState,
    job: Job,
    at: DateTime<Utc>,
    trigger: Trigger,
    instance: &str,
) -> anyhow::Result<Option<job_run::Model>> {
    let at = at.duration_trunc(Duration::seconds(1))?;
    let Some(claim) = claim(state, job, at, trigger, instance).await? else {
        tracing::debug!(%job, %at, "already claimed");
        return Ok(None);
    };
    let txn = state.db.begin().await?;
    let result = work(state, &txn, job, at, claim.id).await;
    let (outcome, detail) = match &result {
        Ok(summary) => (JobOutcome::Succeeded, summary.clone()),
        Err(error) => (JobOutcome::Failed, format!("{error:#}")),
    };
    // Recorded only while this instance still holds the claim: a run taken over after its
    // lease ran out must not overwrite the new holder's outcome.
    let record = job_run::Entity::update_many()
        .col_expr(job_run::Column::Outcome, Expr::value(outcome))
        .col_expr(job_run::Column::Detail, Expr::value(detail.clone()))
        .col_expr(job_run::Column::FinishedAt, Expr::value(state.now()))
        .filter(job_run::Column::Id.eq(claim.id))
        .filter(job_run::Column::Instance.eq(instance))
        .filter(job_run::Column::Outcome.eq(JobOutcome::Running));
    if result.is_ok() {
        if record.exec(&txn).await?.rows_affected != 1 {
            txn.rollback().await?;
            tracing::warn!(%job, %at, "the claim was taken over; this run's work is discarded");
            return Ok(None);
        }
        txn.commit().await?;
        tracing::info!(%job, %at, %detail, "job run succeeded");
    } else {
        txn.rollback().await?;
        tracing::error!(%job, %at, %detail, "job run failed");
        record.exec(&state.db).await?;
    }
    Ok(job_run::Entity::find_by_id(claim.id).one(&state.db).await?)
}

async fn claim(
    state: &AppState,
    job: Job,
    at: DateTime<Utc>,
    trigger: Trigger,
    instance: &str,
) -> anyhow::Result<Option<job_run::Model>> {
    let db = &state.db;
    let now = state.now();
    let lease_until = now + Duration::seconds(state.settings.scheduler.lease_seconds);
    let inserted = job_run::ActiveModel {
        id: Set(Uuid::new_v4()),
        job: Set(job),
        scheduled_for: Set(at),
        trigger: Set(trigger),
        instance: Set(instance.to_owned()),
        started_at: Set(now),
        finished_at: Set(None),
        lease_until: Set(lease_until),
        outcome: Set(JobOutcome::Running),
        detail: Set(None),
        attempts: Set(1),
    }
    .insert(db)
    .await;
    match inserted.map_err(AppError::from) {
        Ok(row) => return Ok(Some(row)),
        Err(AppError::Conflict(_)) => {}
        Err(other) => return Err(other.into()),
    }
    // Taken before: take it over only if it failed or its holder's lease ran out.
    let this_run = Condition::all()
        .add(job_run::Column::Job.eq(job.name()))
        .add(job_run::Column::ScheduledFor.eq(at));
    let retake = job_run::Entity::update_many()
        .col_expr(job_run::Column::Instance, Expr::value(instance))
        .col_expr(job_run::Column::Trigger, Expr::value(trigger))
        .col_expr(job_run::Column::StartedAt, Expr::value(now))
        .col_expr(job_run::Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(job_run::Column::Outcome, Expr::value(JobOutcome::Running))
        .col_expr(job_run::Column::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(
            job_run::Column::Attempts,
            Expr::col(job_run::Column::Attempts).add(Expr::val(1)),
        )
        .filter(this_run.clone())
        .filter(
            Condition::any()
                .add(job_run::Column::Outcome.eq(JobOutcome::Failed))
                .add(
                    Condition::all()
                        .add(job_run::Column::Outcome.eq(JobOutcome::Running))
                        .add(job_run::Column::LeaseUntil.lt(now)),
                ),
        )
        .exec(db)
        .await?;
    if retake.rows_affected != 1 {
        return Ok(None);
    }
    Ok(job_run::Entity::find().filter(this_run).one(db).await?)
}

/// The job's work, in the run's transaction; returns a one-line summary.
async fn work(
    state: &AppState,
    txn: &DatabaseTransaction,
    job: Job,
    at: DateTime<Utc>,
    run_id: Uuid,
) -> anyhow::Result<String> {
    let settings = &state.settings;
    let base_url = settings.public_url();
    let work = job.work();
    let mut round = Round {
        settings,
        txn,
        job,
        at,
        today: today_in_oslo(at),
        messages: 0,
        created: 0,
    };
    // Every organization in one go: a constant number of statements reads what the job needs
    // and writes what it finds, however many organizations there are.
    let organizations = organization::Entity::find().all(txn).await?;
    let link_valid = Duration::days(Ord::max(settings.web.email_link_days, 1));
    let catalogs = reminders::Catalogs::load(txn, organizations, &base_url, link_valid).await?;
    let pending = work.run(&mut round, &catalogs).await?;
    let catalogs: Vec<&reminders::Catalog> = catalogs.iter().collect();
    round.messages += outbox::enqueue(txn, &catalogs, at, Some(run_id), pending).await?;
    Ok(work.summary(&round))
}

/// The day of the latest earlier successful run of `job`, where the window of a daily check starts.
async fn previous_run_day(txn: &DatabaseTransaction, job: Job, at: DateTime<Utc>) -> anyhow::Result<Option<NaiveDate>> {
    Ok(job_run::Entity::find()
        .filter(job_run::Column::Job.eq(job.name()))
        .filter(job_run::Column::ScheduledFor.lt(at))
        .filter(job_run::Column::Outcome.eq(JobOutcome::Succeeded))
        .order_by_desc(job_run::Column::ScheduledFor)
        .one(txn)
        .await?
        .map(|run| today_in_oslo(run.scheduled_for)))
}

/// Recorded runs, newest first, at most `limit` of them, older than the run `after`.
#[tracing::instrument(skip(db))]
pub async fn runs(
    db: &DatabaseConnection,
    job: Option<Job>,
    limit: u64,
    after: Option<Uuid>,
) -> anyhow::Result<Vec<job_run::Model>> {
    use sea_orm::{Condition, QuerySelect};
    let mut query = job_run::Entity::find();
    if let Some(after) = after {
        let seen = job_run::Entity::find_by_id(after)
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job run {after} not found"))?;
        query = query.filter(
            Condition::any()
                .add(job_run::Column::ScheduledFor.lt(seen.scheduled_for))
                .add(
                    Condition::all()
                        .add(job_run::Column::ScheduledFor.eq(seen.scheduled_for))
                        .add(job_run::Column::StartedAt.lt(seen.started_at)),
                ),
        );
    }
    if let Some(job) = job {
        query = query.filter(job_run::Column::Job.eq(job.name()));
    }
    Ok(query
        .order_by_desc(job_run::Column::ScheduledFor)
        .order_by_desc(job_run::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each job is its own module, named by its configuration key, with an expression the
    /// defaults give.
    #[test]
    fn every_job_has_a_module_with_its_own_key_and_expression() {
        let settings = Settings::defaults();
        let mut keys = std::collections::HashSet::new();
        for &job in Job::ALL {
            let work = job.work();
            assert_eq!(work.config_key(), format!("jobs.{}", job.name().replace('-', "_")));
            assert!(keys.insert(work.config_key()), "{job}");
            work.expression(&settings.jobs)
                .parse::<CronSchedule>()
                .unwrap_or_else(|e| panic!("{job}: {e}"));
        }
    }
}
