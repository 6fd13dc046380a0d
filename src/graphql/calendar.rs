//! Calendar feeds over GraphQL: secret .ics addresses of a plan's or a unit's årshjul.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{ContextExt, parse_id};
use crate::{entities::calendar_feed, error::AppError, services::calendar};

/// A calendar subscription. The URL holds the secret and is only returned when created.
#[derive(SimpleObject)]
pub struct CalendarFeed {
    id: ID,
    plan_id: Option<ID>,
    unit_id: Option<ID>,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    /// The .ics address to subscribe to; only set in `createCalendarFeed`'s answer.
    url: Option<String>,
}

impl CalendarFeed {
    fn new(feed: calendar_feed::Model, url: Option<String>) -> Self {
        CalendarFeed {
            id: ID(feed.id.to_string()),
            plan_id: feed.plan_id.map(|id| ID(id.to_string())),
            unit_id: feed.unit_id.map(|id| ID(id.to_string())),
            created_at: feed.created_at,
            revoked_at: feed.revoked_at,
            url,
        }
    }
}

#[derive(InputObject)]
pub struct CreateCalendarFeedInput {
    /// A feed of one plan ...
    plan_id: Option<ID>,
    /// ... or of one unit's actions.
    unit_id: Option<ID>,
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The viewer's calendar feeds (their URLs are not shown again).
    async fn calendar_feeds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CalendarFeed>> {
        let feeds = calendar::feeds(&ctx.state().db, ctx.viewer()?).await?;
        Ok(feeds.into_iter().map(|f| CalendarFeed::new(f, None)).collect())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// A secret .ics address for a plan's or a unit's årshjul; give exactly one of the ids.
    async fn create_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: CreateCalendarFeedInput,
    ) -> async_graphql::Result<CalendarFeed> {
        let state = ctx.state();
        let scope = match (&input.plan_id, &input.unit_id) {
            (Some(plan), None) => calendar::Scope::Plan(parse_id("planId", plan)?),
            (None, Some(unit)) => calendar::Scope::Unit(parse_id("unitId", unit)?),
            _ => return Err(AppError::validation("planId", "give either planId or unitId").into()),
        };
        let base_url = state.settings.public_url();
        let (feed, url) = calendar::create_feed(&state.db, ctx.viewer()?, state.now(), &base_url, scope).await?;
        Ok(CalendarFeed::new(feed, Some(url)))
    }

    /// Stops a calendar feed's URL from working.
    async fn revoke_calendar_feed(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CalendarFeed> {
        let state = ctx.state();
        let id = parse_id("id", &id)?;
        Ok(CalendarFeed::new(
            calendar::revoke_feed(&state.db, ctx.viewer()?, state.now(), id).await?,
            None,
        ))
    }
}
