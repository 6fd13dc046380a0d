//! The GraphQL API: schema, context, loaders and types, and the queries and mutations by
//! concern (`query`/`mutation` for plans, actions and the organization; `evaluations`,
//! `revisions`, `job_runs`, `outbox`, `calendar`, `reports`; `subscription`).

mod calendar;
pub mod context;
pub mod errors;
mod evaluations;
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

pub fn schema(state: AppState) -> TiltakSchema {
    limited(Mutation::default(), state, None)
}

/// The WebSocket's schema carries the gate as an extension, since its requests do not pass the
/// HTTP handler.
pub fn subscription_schema(state: AppState, gate: gate::Gate) -> SubscriptionSchema {
    limited(async_graphql::EmptyMutation, state, Some(gate))
}

/// A schema validating each query document once (`gate::Validation`, with the configured depth
/// limit, its refusal coded where it arises), introspection off when configured so, and no
/// "did you mean" suggestions unless introspection is public. Complexity is the gate's job.
fn limited<M: async_graphql::ObjectType + 'static>(
    mutation: M,
    state: AppState,
    gate: Option<gate::Gate>,
) -> Schema<Query, M, subscription::Subscription> {
    use crate::config::Introspection;
    let limits = state.settings.graphql.clone();
    let mut builder = Schema::build(Query::default(), mutation, subscription::Subscription)
        .extension(gate::Validation::new(limits.max_depth, state.validations.clone()))
        .data(state);
    if limits.introspection == Introspection::Off {
        builder = builder.disable_introspection();
    }
    if limits.introspection != Introspection::Public {
        builder = builder.disable_suggestions();
    }
    if let Some(gate) = gate {
        builder = builder.extension(gate::GateExtension(gate));
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .finish()
        .sdl()
}
