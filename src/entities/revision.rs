//! A revision of a plan that has fallen due, a task for the plan's owner unit.

use sea_orm::entity::prelude::*;

use crate::domain::RevisionStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    /// The plan's owner unit when the revision fell due.
    pub unit_id: Option<Uuid>,
    /// The date of the revision expression's occurrence.
    pub due_on: Date,
    pub status: RevisionStatus,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
