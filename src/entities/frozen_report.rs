//! A yearly report as presented to the council: its data (JSON) and SHA-256 hash, never
//! changed, and the head of the history chain it was built on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "frozen_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    pub year: i32,
    /// The report's data as canonical JSON.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    /// SHA-256 of `data`, hex.
    pub hash: String,
    pub frozen_by: Option<Uuid>,
    pub frozen_at: DateTimeUtc,
    /// How many events the organization's history chain had when the report was frozen
    /// (none for reports frozen before heads were recorded).
    pub chain_events: Option<i64>,
    /// The hash of the last of those events: `tiltak audit verify` checks it is still there.
    pub chain_head: Option<String>,
    /// HMAC with the audit key over the report's hash and the head above, so neither can be
    /// changed in the database unnoticed (see `services::audit::report_seal`).
    pub chain_seal: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
