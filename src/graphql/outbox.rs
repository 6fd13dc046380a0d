//! The email outbox over GraphQL (admins): its messages, and sending one again.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::context::{ContextExt, Page, parse_id, parse_opt_id};
use crate::{entities::notification, remote_enum, services::outbox};

remote_enum!(
    /// PENDING: waiting to be sent (or for its next attempt); SENT; FAILED: gave up.
    NotificationStatus = "crate::domain::NotificationStatus" { Pending, Sent, Failed }
);
remote_enum!(
    /// Why a message was sent (its first section when it holds several).
    NotificationReason = "crate::domain::Reason" {
        DeadlineApproaching, Overdue, EvaluationOpen, EvaluationOverdue, RevisionDue, TeamDigest, StatusChange,
        NoOwner, SignIn
    }
);

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// "Name <address>".
    async fn recipient(&self) -> &str {
        &self.0.recipient
    }
    async fn reason(&self) -> NotificationReason {
        self.0.reason.into()
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The plain-text part.
    async fn body_text(&self) -> &str {
        &self.0.body_text
    }
    async fn status(&self) -> NotificationStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// The error of the last failed attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}

#[derive(InputObject, Default)]
pub struct NotificationFilter {
    status: Option<NotificationStatus>,
    reason: Option<NotificationReason>,
    /// Part of the recipient's name or address.
    recipient: Option<String>,
}

#[derive(Default)]
pub struct OutboxQuery;

#[Object]
impl OutboxQuery {
    /// The outbox, newest first (admins).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        filter: Option<NotificationFilter>,
        #[graphql(default = 100)] first: i32,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<Notification>> {
        let limit = Page::new(Some(first), None).size(ctx.state().settings.graphql.max_page)? as u64;
        let after = parse_opt_id("after", after.as_ref())?;
        let filter = filter.unwrap_or_default();
        let filter = outbox::NotificationFilter {
            status: filter.status.map(Into::into),
            reason: filter.reason.map(Into::into),
            recipient: filter.recipient,
        };
        Ok(outbox::list(&ctx.state().db, ctx.viewer()?, filter, limit, after)
            .await?
            .into_iter()
            .map(Notification)
            .collect())
    }
}

#[derive(Default)]
pub struct OutboxMutation;

#[Object]
impl OutboxMutation {
    /// Puts a failed or sent message back in the outbox (admins).
    async fn resend_notification(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Notification> {
        let state = ctx.state();
        let id = parse_id("id", &id)?;
        Ok(Notification(
            outbox::resend(&state.db, ctx.viewer()?, state.now(), id).await?,
        ))
    }
}
