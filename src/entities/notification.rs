//! One email in the outbox: rendered when enqueued, sent (and retried) by the dispatcher.

use sea_orm::entity::prelude::*;

use crate::domain::{NotificationStatus, Reason};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub recipient: String,
    /// What the message is mainly about.
    pub reason: Reason,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a dispatcher holds the row.
    pub lease_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// The job run that enqueued it; none for event-driven messages.
    pub job_run_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The digest's items as JSON (`[{"reason", "item"}]`) while it may still grow: items
    /// found later the same Oslo day join this message before it is sent.
    #[sea_orm(column_type = "Text", nullable)]
    pub digest_items: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
