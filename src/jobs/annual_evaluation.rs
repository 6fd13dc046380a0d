//! `annual-evaluation`, yearly: opens the evaluation round for the previous year in every plan
//! without an evaluation expression of its own, and tells the unit leaders.

use chrono::Datelike;

use super::{JobWork, Round};
use crate::{
    config::JobSettings,
    domain::Reason,
    services::{evaluations, outbox::Pending, reminders},
};

pub(super) struct AnnualEvaluation;

#[async_trait::async_trait]
impl JobWork for AnnualEvaluation {
    fn config_key(&self) -> &'static str {
        "jobs.annual_evaluation"
    }

    fn expression<'a>(&self, jobs: &'a JobSettings) -> &'a str {
        &jobs.annual_evaluation
    }

    #[tracing::instrument(skip_all, fields(job = %round.job))]
    async fn run(&self, round: &mut Round<'_>, catalogs: &reminders::Catalogs) -> anyhow::Result<Vec<Pending>> {
        let (today, grace) = (round.today, round.settings.evaluation.grace_days);
        for catalog in catalogs.iter() {
            for plan in catalog.plans().filter(|p| p.evaluation_schedule.is_none()) {
                let opened = evaluations::open_round(round.txn, plan, today.year() - 1, today, grace, round.at).await?;
                round.created += opened.len();
            }
        }
        let offsets = &round.settings.reminders.deadline_offsets_days;
        Ok(reminders::unit_leader_items(round.txn, catalogs, today, offsets, &[Reason::EvaluationOpen]).await?)
    }

    fn summary(&self, round: &Round<'_>) -> String {
        format!(
            "{} evaluations opened for {}, {} messages enqueued",
            round.created,
            round.today.year() - 1,
            round.messages
        )
    }
}
