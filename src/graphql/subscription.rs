//! The `actionEvents` subscription: a plan's history events as they are written.

use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use futures_util::Stream;

use super::{
    context::{ContextExt, parse_id},
    types::ActionEvent,
};
use crate::{
    error::AppError,
    services::{Viewer, plans},
};

pub struct Subscription;

/// How often a live subscription checks that its token is still valid.
const TOKEN_CHECK: Duration = Duration::from_secs(5);

#[Subscription]
impl Subscription {
    /// History events of a plan's actions as they are written, oldest first. The connection
    /// needs a token (`connection_init` payload `{"token": "..."}` or the Authorization header).
    /// At most `graphql.subscriptions_per_token` live at once per token and
    /// `graphql.subscriptions_per_connection` per connection.
    async fn action_events(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = ActionEvent> + use<>> {
        let state = ctx.state().clone();
        let viewer: Viewer = ctx.viewer()?.clone();
        let plan_id = parse_id("planId", &plan_id)?;
        plans::plan(&state.db, &viewer, plan_id).await?;
        let request = ctx
            .data_opt::<super::context::RequestContext>()
            .ok_or_else(|| AppError::Unauthenticated("subscriptions need a token".into()))?;
        let token = request
            .token
            .clone()
            .ok_or_else(|| AppError::Unauthenticated("subscriptions need a token".into()))?;
        let limits = &state.settings.graphql;
        let ticket = state
            .live
            .admit(
                &state.db,
                &state.history,
                viewer.organization_id,
                &token,
                &request.subscriptions,
                limits.subscriptions_per_token,
                limits.subscriptions_per_connection,
            )
            .map_err(|refused| {
                async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(refused.to_string()), |_, e| {
                    e.set("code", "RATE_LIMITED")
                })
            })?;
        let mut events = ticket.receiver();
        Ok(async_stream::stream! {
            // Held for as long as the stream lives: the place under the caps, and the feed.
            let _ticket = ticket;
            let mut check = tokio::time::interval(TOKEN_CHECK);
            check.tick().await;
            loop {
                tokio::select! {
                    received = events.recv() => match received {
                        Ok(live) if live.plan_id == plan_id => yield ActionEvent((*live.event).clone()),
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "actionEvents subscriber fell behind");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    },
                    _ = check.tick() => {
                        // A token revoked or expired since the connection opened ends the stream.
                        if crate::services::auth::authenticate(&state.db, &state.tokens, &token, state.now()).await.is_err() {
                            break;
                        }
                    }
                }
            }
        })
    }
}
