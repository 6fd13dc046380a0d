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
    /// Set when the action was archived (instead of deleted): it keeps its number and history
    /// and stays in the reports of the years it was followed up, but leaves the lists,
    /// reminders and evaluation rounds.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An action's chapter, so a read can join it (the full number needs the chapter's).
impl Related<super::chapter::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::chapter::Entity)
            .from(Column::ChapterId)
            .to(super::chapter::Column::Id)
            .into()
    }
}

/// An action's history, so a read can join it.
impl Related<super::action_event::Entity> for Entity {
    fn to() -> RelationDef {
        <super::action_event::Entity as Related<Entity>>::to().rev()
    }
}

/// An action's responsible unit (not the suggested one).
impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::unit::Entity)
            .from(Column::ResponsibleUnitId)
            .to(super::unit::Column::Id)
            .into()
    }
}

impl Entity {
    /// The actions being followed up: not archived, and not in an archived plan. Lists,
    /// reminders, evaluation rounds and counts start here; an action found by its id, the
    /// history and the reports see archived ones too.
    pub fn find_active() -> Select<Entity> {
        use sea_orm::sea_query::Query;
        Entity::find().filter(Column::ArchivedAt.is_null()).filter(
            Column::PlanId.in_subquery(
                Query::select()
                    .column(super::plan::Column::Id)
                    .from(super::plan::Entity)
                    .and_where(super::plan::Column::ArchivedAt.is_null())
                    .to_owned(),
            ),
        )
    }
}
