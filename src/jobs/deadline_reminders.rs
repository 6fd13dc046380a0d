//! `deadline-reminders`, daily: evaluations past their grace period become overdue, and unit
//! leaders are reminded of deadlines approaching, overdue actions, open and overdue
//! evaluations and revisions due, one digest per recipient.

use super::{JobWork, Round};
use crate::{
    config::JobSettings,
    domain::Reason,
    services::{evaluations, outbox::Pending, reminders},
};

pub(super) struct DeadlineReminders;

#[async_trait::async_trait]
impl JobWork for DeadlineReminders {
    fn config_key(&self) -> &'static str {
        "jobs.deadline_reminders"
    }

    fn expression<'a>(&self, jobs: &'a JobSettings) -> &'a str {
        &jobs.deadline_reminders
    }

    #[tracing::instrument(skip_all, fields(job = %round.job))]
    async fn run(&self, round: &mut Round<'_>, catalogs: &reminders::Catalogs) -> anyhow::Result<Vec<Pending>> {
        round.created += evaluations::mark_overdue(round.txn, round.today).await? as usize;
        let offsets = &round.settings.reminders.deadline_offsets_days;
        Ok(reminders::unit_leader_items(round.txn, catalogs, round.today, offsets, Reason::ALL).await?)
    }

    fn summary(&self, round: &Round<'_>) -> String {
        format!(
            "{} messages enqueued, {} evaluations became overdue",
            round.messages, round.created
        )
    }
}
