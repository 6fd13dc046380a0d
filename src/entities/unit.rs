//! An organisational unit (enhet) and its leader, who receives the reminders.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "unit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub leader_name: String,
    pub leader_email: String,
    pub created_at: DateTimeUtc,
    /// Set when the unit was archived: it keeps its history and reports, but gets no new
    /// actions or reminders.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
