//! One run of a scheduled job: which job, for which scheduled moment, who ran it and how it went.

use sea_orm::entity::prelude::*;

use crate::{
    domain::JobOutcome,
    jobs::{Job, Trigger},
};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job: Job,
    /// The cron occurrence this run is for (the `--at` moment for manual runs).
    pub scheduled_for: DateTimeUtc,
    pub trigger: Trigger,
    /// The instance holding the claim.
    pub instance: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// Until when the claim holds; a running row past its lease may be taken over.
    pub lease_until: DateTimeUtc,
    pub outcome: JobOutcome,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
