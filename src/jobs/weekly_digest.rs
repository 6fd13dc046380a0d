//! `weekly-digest`: each leader team gets its units' overdue and delayed actions.

use super::{JobWork, Round};
use crate::{
    config::JobSettings,
    services::{outbox::Pending, reminders},
};

pub(super) struct WeeklyDigest;

#[async_trait::async_trait]
impl JobWork for WeeklyDigest {
    fn config_key(&self) -> &'static str {
        "jobs.weekly_digest"
    }

    fn expression<'a>(&self, jobs: &'a JobSettings) -> &'a str {
        &jobs.weekly_digest
    }

    #[tracing::instrument(skip_all, fields(job = %round.job))]
    async fn run(&self, round: &mut Round<'_>, catalogs: &reminders::Catalogs) -> anyhow::Result<Vec<Pending>> {
        Ok(reminders::team_items(round.txn, catalogs, round.today).await?)
    }

    fn summary(&self, round: &Round<'_>) -> String {
        format!("{} messages enqueued", round.messages)
    }
}
