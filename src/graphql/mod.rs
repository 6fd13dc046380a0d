//! The GraphQL API: schema, context, loaders and types, and the queries and mutations by
//! concern (`query`/`mutation` for plans, actions and the organization; `evaluations`,
//! `revisions`, `job_runs`, `outbox`, `calendar`, `reports`; `subscription`).

mod calendar;
pub mod context;
pub mod errors;
mod evaluations;
pub mod executor;
pub mod gate;
mod job_runs;
pub mod loaders;
mod mutation;
mod outbox;
mod prefetch;
mod query;
mod reports;
mod revisions;
mod subscription;
pub mod types;

use async_graphql::{MergedObject, Schema};

use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(
    query::BaseQuery,
    evaluations::EvaluationQuery,
    revisions::RevisionQuery,
    job_runs::JobRunQuery,
    outbox::OutboxQuery,
    calendar::CalendarQuery,
    reports::ReportQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    mutation::BaseMutation,
    evaluations::EvaluationMutation,
    revisions::RevisionMutation,
    outbox::OutboxMutation,
    calendar::CalendarMutation,
    reports::ReportMutation,
);

pub type TiltakSchema = Schema<Query, Mutation, subscription::Subscription>;

/// The schema served over WebSocket: queries and subscriptions, no changes. Changes go through
/// POST /graphql, where every request is authenticated and rate-limited.
pub type SubscriptionSchema = Schema<Query, async_graphql::EmptyMutation, subscription::Subscription>;

/// What POST /graphql runs requests on (see [`executor`]).
pub fn schema(state: AppState) -> executor::Executor {
    executor::Executor::new(state)
}

/// The WebSocket's schema validates each query document once (`gate::Validation`) and carries
/// the gate as an extension, since its requests do not pass the HTTP handler.
pub fn subscription_schema(state: AppState, gate: gate::Gate) -> SubscriptionSchema {
    let validation = gate::Validation::new(state.settings.graphql.max_depth, state.validations.clone());
    builder(async_graphql::EmptyMutation, state)
        .extension(validation)
        .extension(gate::GateExtension(gate))
        .finish()
}

/// A schema with introspection off when configured so, and no "did you mean" suggestions
/// unless introspection is public. Complexity is the gate's job; the depth limit is
/// `gate::Validation`'s, with its refusal coded where it arises.
fn builder<M: async_graphql::ObjectType + 'static>(
    mutation: M,
    state: AppState,
) -> async_graphql::SchemaBuilder<Query, M, subscription::Subscription> {
    use crate::config::Introspection;
    let introspection = state.settings.graphql.introspection;
    let mut builder = Schema::build(Query::default(), mutation, subscription::Subscription).data(state);
    if introspection == Introspection::Off {
        builder = builder.disable_introspection();
    }
    if introspection != Introspection::Public {
        builder = builder.disable_suggestions();
    }
    builder
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .finish()
        .sdl()
}
