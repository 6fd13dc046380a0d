//! sea-orm entities, one module per table. They never derive GraphQL traits: the GraphQL
//! layer converts from them.

pub mod action;
pub mod action_contributor;
pub mod action_event;
pub mod api_token;
pub mod chapter;
pub mod organization;
pub mod person;
pub mod plan;
pub mod team;
pub mod team_member;
pub mod team_unit;
pub mod unit;
