//! A numbered action (tiltak) of a plan.

use sea_orm::entity::prelude::*;

use crate::domain::{PreventionLevel, Recurrence, Status};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    pub chapter_id: Uuid,
    /// Number within the chapter: 6 in "13.6".
    pub number: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub responsible_unit_id: Option<Uuid>,
    /// A responsible unit an import read from the text, until a coordinator sets one.
    pub suggested_unit_id: Option<Uuid>,
    pub deadline: Option<Date>,
    pub status: Status,
    pub progress: i32,
    pub prevention_level: Option<PreventionLevel>,
    /// A JSON array of strings.
    pub tags: Json,
    pub decision_ref: Option<String>,
    pub recurrence: Recurrence,
    /// Raised by one on every change; clients send it back as `expectedVersion`.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
