//! A user: unit leader, coordinator, administrator or viewer.

use sea_orm::entity::prelude::*;

use crate::domain::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// The person's object id in the organization's Microsoft Entra ID (the ID token's `oid`),
    /// set at their first sign-in there: the key they are found by from then on.
    pub entra_oid: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
