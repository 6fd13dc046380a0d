//! One entry of an action's append-only history: who changed what, when, from, to and why.

use sea_orm::entity::prelude::*;

use crate::domain::{EventKind, Via};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "action_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: Uuid,
    pub action_id: Uuid,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub kind: EventKind,
    #[sea_orm(column_type = "Text", nullable)]
    pub from_value: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub to_value: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    /// The hash of the organization's previous event (see `services::history`).
    pub prev_hash: Option<String>,
    /// HMAC-SHA256 with the audit key over `prev_hash` and this event's content (plain
    /// SHA-256 for events sealed before the key, until `tiltak audit reseal`).
    pub hash: Option<String>,
    /// How the change came in, when worth noting: `email-link` for a reminder email's link.
    pub via: Option<Via>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The action an event belongs to.
impl Related<super::action::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::action::Entity)
            .from(Column::ActionId)
            .to(super::action::Column::Id)
            .into()
    }
}
