//! The GraphQL API: schema, context, loaders, types, queries and mutations.

mod arshjul;
pub mod context;
pub mod errors;
pub mod loaders;
mod mutation;
mod query;
mod reports;
pub mod types;

use async_graphql::{MergedObject, Schema};

use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(query::BaseQuery, arshjul::ArshjulQuery, reports::ReportQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(
    mutation::BaseMutation,
    arshjul::ArshjulMutation,
    reports::ReportMutation,
);

pub type TiltakSchema = Schema<Query, Mutation, arshjul::Subscription>;

/// The schema served over WebSocket: queries and subscriptions, no changes. Changes go through
/// POST /graphql, where every request is authenticated and rate-limited.
pub type SubscriptionSchema = Schema<Query, async_graphql::EmptyMutation, arshjul::Subscription>;

pub fn schema(state: AppState) -> TiltakSchema {
    limited(Mutation::default(), state)
}

pub fn subscription_schema(state: AppState) -> SubscriptionSchema {
    limited(async_graphql::EmptyMutation, state)
}

/// A schema with the configured depth and complexity limits (and introspection off when
/// configured so).
fn limited<M: async_graphql::ObjectType + 'static>(
    mutation: M,
    state: AppState,
) -> Schema<Query, M, arshjul::Subscription> {
    let limits = state.settings.graphql.clone();
    let mut builder = Schema::build(Query::default(), mutation, arshjul::Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .data(state);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), arshjul::Subscription)
        .finish()
        .sdl()
}
