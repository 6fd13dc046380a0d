//! sea-orm entities, one module per table. They never derive GraphQL traits: the GraphQL
//! layer converts from them. Codes are held as the domain's enums (stored as text, see
//! [`codes`]), so a row with a code its enum does not know cannot be read.

pub mod action;
pub mod action_contributor;
pub mod action_event;
pub mod action_link;
pub mod api_token;
pub mod calendar_feed;
pub mod chapter;
pub mod codes;
pub mod evaluation;
pub mod frozen_report;
pub mod job_run;
pub mod notification;
pub mod notification_item;
pub mod oidc_flow;
pub mod organization;
pub mod person;
pub mod plan;
pub mod revision;
pub mod sign_in_link;
pub mod team;
pub mod team_member;
pub mod team_unit;
pub mod unit;
pub mod unit_former_name;
pub mod web_session;
