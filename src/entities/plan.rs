//! A council-adopted plan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    /// The council decision, e.g. "KST 032/24".
    pub decision_ref: Option<String>,
    pub adopted_on: Option<Date>,
    pub period_start: Option<i32>,
    pub period_end: Option<i32>,
    pub owner_unit_id: Option<Uuid>,
    /// Cron expression (seconds … year) for the plan's evaluations.
    pub evaluation_schedule: Option<String>,
    /// Cron expression (seconds … year) for the plan's revisions.
    pub revision_schedule: Option<String>,
    pub created_at: DateTimeUtc,
    /// When an admin switched the public page on; `None`: no public page.
    pub public_since: Option<DateTimeUtc>,
    /// Set when the plan was archived: it keeps its history and reports, but leaves the
    /// lists, reminders, evaluation rounds and revisions.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A plan's chapters, so a read can join them.
impl Related<super::chapter::Entity> for Entity {
    fn to() -> RelationDef {
        <super::chapter::Entity as Related<Entity>>::to().rev()
    }
}
