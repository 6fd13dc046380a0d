//! The scheduler inside `tiltak serve`: every few seconds it asks each job's cron expression
//! whether an occurrence has come since the job's last scheduled run, and runs the latest one.
//! After downtime that is one catch-up run, not one per missed occurrence.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Job, Jobs, Trigger, instance_name, run};
use crate::{
    domain::JobOutcome,
    entities::{job_run, organization},
    mail::Mailer,
    services::outbox,
    state::AppState,
};

/// A failed scheduled run is tried again on later ticks, this many times in all, waiting
/// RETRY_AFTER, then twice that, and so on, after each failure.
const MAX_ATTEMPTS: i32 = 6;
const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);

pub struct Scheduler {
    state: AppState,
    jobs: Jobs,
    instance: String,
}

impl Scheduler {
    pub fn new(state: AppState, jobs: Jobs) -> Self {
        Self {
            state,
            jobs,
            instance: instance_name(),
        }
    }

    /// Runs whatever is due at `now`; returns the runs this instance carried out.
    #[tracing::instrument(skip_all, fields(instance = %self.instance))]
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<job_run::Model>> {
        let mut done = Vec::new();
        for (job, schedule) in &self.jobs.0 {
            let Some(at) = self.due(*job, schedule, now).await? else {
                continue;
            };
            if let Some(run) = run(&self.state, *job, at, Trigger::Schedule, &self.instance).await? {
                done.push(run);
            }
        }
        Ok(done)
    }

    /// The moment to run `job` for, if any: the latest occurrence since its last scheduled run,
    /// or that last run again if it failed (a few times at most) or its holder vanished.
    async fn due(
        &self,
        job: Job,
        schedule: &crate::domain::CronSchedule,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        let last = job_run::Entity::find()
            .filter(job_run::Column::Job.eq(job.name()))
            .filter(job_run::Column::Trigger.eq(Trigger::Schedule))
            .order_by_desc(job_run::Column::ScheduledFor)
            .one(&self.state.db)
            .await?;
        let since = match &last {
            Some(run) => run.scheduled_for,
            // Never ran: start from when the first organization was created, so a new
            // installation does not catch up on occurrences from before it existed.
            None => match organization::Entity::find()
                .order_by_asc(organization::Column::CreatedAt)
                .limit(1)
                .one(&self.state.db)
                .await?
            {
                Some(first) => first.created_at,
                None => return Ok(None),
            },
        };
        if let Some(at) = schedule.due_between(since, now) {
            return Ok(Some(at));
        }
        Ok(last
            .filter(|run| {
                let wait = RETRY_AFTER * 2_i32.pow((run.attempts - 1).clamp(0, 10) as u32);
                let retry_at = run.finished_at.unwrap_or(run.started_at) + wait;
                let failed = run.outcome == JobOutcome::Failed && run.attempts < MAX_ATTEMPTS && now >= retry_at;
                let abandoned = run.outcome == JobOutcome::Running && run.lease_until < now;
                failed || abandoned
            })
            .map(|run| run.scheduled_for))
    }
}

/// Starts the outbox dispatcher, and the scheduler unless `scheduler.enabled` is false, as
/// background tasks of `tiltak serve`. Messages caused by changes (a status set to DELAYED)
/// are sent by the dispatcher on every instance. When `stop` is cancelled each loop finishes
/// the round it is in (a dispatch sends or releases what it claimed, a job run is recorded)
/// and ends; await the handles to know they have.
pub fn spawn_background(state: AppState, jobs: Jobs, mailer: Mailer, stop: CancellationToken) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    if state.settings.scheduler.enabled {
        let tick = StdDuration::from_secs(state.settings.scheduler.tick_seconds.max(1));
        let scheduler = Scheduler::new(state.clone(), jobs);
        tracing::info!(instance = %scheduler.instance, "scheduler started");
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = interval.tick() => {}
                }
                scheduler
                    .state
                    .scheduler_heartbeat
                    .store(Utc::now().timestamp(), std::sync::atomic::Ordering::Relaxed);
                if let Err(error) = scheduler.tick(scheduler.state.now()).await {
                    tracing::error!(error = format!("{error:#}"), "scheduler tick failed");
                }
            }
            tracing::info!("scheduler stopped");
        }));
    }
    let every = StdDuration::from_secs(state.settings.mail.dispatch_interval_seconds.max(1));
    handles.push(tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        // After a pass that stopped at its bound with mail still due, the next starts at once.
        let mut more = false;
        loop {
            if more {
                if stop.is_cancelled() {
                    break;
                }
            } else {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = interval.tick() => {}
                    () = state.outbox.notified() => {}
                }
            }
            let settle = chrono::Duration::seconds(state.settings.mail.digest_settle_seconds.max(0));
            more = match outbox::dispatch_settled(&state.db, &mailer, &state.settings.mail, state.now(), settle).await {
                Ok(done) => {
                    if done != outbox::Dispatched::default() {
                        tracing::info!(?done, "outbox dispatched");
                    }
                    done.more
                }
                Err(error) => {
                    tracing::error!(error = error.cause(), "outbox dispatch failed");
                    false
                }
            };
        }
        tracing::info!("outbox dispatcher stopped");
    }));
    handles
}
