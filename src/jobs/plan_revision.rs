//! `plan-revision`, daily: each plan's own revision expression makes a revision task when it
//! fell due since the last successful run, its own evaluation expression opens its
//! evaluation round, and the owners are told.

use chrono::{Datelike, Duration};

use super::{JobWork, Round, previous_run_day};
use crate::{
    config::JobSettings,
    domain::Reason,
    services::{evaluations, outbox::Pending, reminders, revisions},
};

pub(super) struct PlanRevision;

#[async_trait::async_trait]
impl JobWork for PlanRevision {
    fn config_key(&self) -> &'static str {
        "jobs.plan_revision"
    }

    fn expression<'a>(&self, jobs: &'a JobSettings) -> &'a str {
        &jobs.plan_revision
    }

    #[tracing::instrument(skip_all, fields(job = %round.job))]
    async fn run(&self, round: &mut Round<'_>, catalogs: &reminders::Catalogs) -> anyhow::Result<Vec<Pending>> {
        let (txn, today, at) = (round.txn, round.today, round.at);
        let after = previous_run_day(txn, round.job, at)
            .await?
            .unwrap_or(today - Duration::days(1));
        for plan in catalogs.iter().flat_map(|catalog| catalog.plans()) {
            if revisions::check(txn, plan, after, today, at).await?.is_some() {
                round.created += 1;
            }
            let own_round = plan
                .evaluation_schedule
                .as_deref()
                .and_then(|expr| revisions::due_day(expr, after, today));
            if let Some(day) = own_round {
                let grace = round.settings.evaluation.grace_days;
                round.created += evaluations::open_round(txn, plan, day.year() - 1, today, grace, at)
                    .await?
                    .len();
            }
        }
        let reasons = [Reason::RevisionDue, Reason::EvaluationOpen];
        let offsets = &round.settings.reminders.deadline_offsets_days;
        Ok(reminders::unit_leader_items(txn, catalogs, today, offsets, &reasons).await?)
    }

    fn summary(&self, round: &Round<'_>) -> String {
        format!(
            "{} revisions and evaluations created, {} messages enqueued",
            round.created, round.messages
        )
    }
}
