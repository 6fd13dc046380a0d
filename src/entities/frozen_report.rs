//! A yearly report as presented to the council: its data (JSON) and SHA-256 hash, never changed.

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
