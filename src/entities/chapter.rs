//! A numbered chapter of a plan ("Kap 13"). Chapter 0 holds the actions of a plan without chapters.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chapter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    pub number: i32,
    pub title: String,
    /// Set when the chapter was archived; only a chapter without active actions can be.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A chapter's actions, so a read can join them.
impl Related<super::action::Entity> for Entity {
    fn to() -> RelationDef {
        <super::action::Entity as Related<Entity>>::to().rev()
    }
}

/// The plan a chapter belongs to.
impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::plan::Entity)
            .from(Column::PlanId)
            .to(super::plan::Column::Id)
            .into()
    }
}
