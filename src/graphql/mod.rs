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

pub fn schema(state: AppState) -> TiltakSchema {
    Schema::build(Query::default(), Mutation::default(), arshjul::Subscription)
        .data(state)
        .finish()
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), arshjul::Subscription)
        .finish()
        .sdl()
}
