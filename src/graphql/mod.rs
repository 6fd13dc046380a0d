//! The GraphQL API: schema, context, loaders, types, queries and mutations.

pub mod context;
pub mod errors;
pub mod loaders;
mod mutation;
mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::state::AppState;

pub type TiltakSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

pub fn schema(state: AppState) -> TiltakSchema {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .data(state)
        .finish()
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .finish()
        .sdl()
}
