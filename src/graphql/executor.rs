//! How POST /graphql runs a request: validated by one schema, executed by another.
//!
//! Why two: when a schema has any extension, async-graphql sends every field and every list
//! item of an answer through the extensions' hooks (for each: the field looked up in the
//! registry by name, type names formatted, a boxed future per extension). The HTTP schema's one
//! extension, [`gate::Validation`] (each query document validated once, the depth limit
//! coded), is about validation only. So the checker carries it and stops before executing,
//! and the runner has no extension and leaves the rules out (`ValidationMode::Fast`): it runs
//! only requests the checker passed, now or, for a query document it keeps, before. A
//! document with a mutation is checked every time, as [`gate::Validation`] keeps none.

use async_graphql::{
    BatchRequest, BatchResponse, Request, Response, ServerError, ValidationMode, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};
use futures_util::{StreamExt, stream::FuturesOrdered};
use std::sync::Arc;

use super::{Mutation, TiltakSchema, gate};
use crate::state::AppState;

/// The two schemas behind POST /graphql, and the validated documents they share.
pub struct Executor {
    checker: TiltakSchema,
    runner: TiltakSchema,
    validation: gate::Validation,
}

impl Executor {
    pub fn new(state: AppState) -> Self {
        let validation = gate::Validation::new(state.settings.graphql.max_depth, state.validations.clone());
        Executor {
            checker: super::builder(Mutation::default(), state.clone())
                .extension(validation.clone())
                .extension(ValidateOnly)
                .finish(),
            runner: super::builder(Mutation::default(), state)
                .validation_mode(ValidationMode::Fast)
                .finish(),
            validation,
        }
    }

    /// Runs each request of the batch (at once, as async-graphql does), each answered on its own.
    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
            BatchRequest::Batch(requests) => BatchResponse::Batch(
                FuturesOrdered::from_iter(requests.into_iter().map(|request| self.execute(request)))
                    .collect()
                    .await,
            ),
        }
    }

    async fn execute(&self, mut request: Request) -> Response {
        if !self.validation.knows(&request) {
            let check = match to_check(&mut request) {
                Ok(check) => self.checker.execute(check).await,
                Err(error) => return Response::from_errors(vec![error]),
            };
            if !check.errors.is_empty() {
                return check;
            }
        }
        self.runner.execute(request).await
    }
}

/// What the checker needs of a request: its document (parsed, as the gate left it), variables
/// and operation; not its data or uploads.
fn to_check(request: &mut Request) -> Result<Request, ServerError> {
    let mut check = Request::new(request.query.clone()).variables(request.variables.clone());
    check.operation_name = request.operation_name.clone();
    check.introspection_mode = request.introspection_mode;
    check.set_parsed_query(request.parsed_query()?.clone());
    Ok(check)
}

/// Ends a request once it is validated, answering nothing.
struct ValidateOnly;

impl ExtensionFactory for ValidateOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidateOnly)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ValidateOnly {
    async fn execute(&self, _: &ExtensionContext<'_>, _: Option<&str>, _: NextExecute<'_>) -> Response {
        Response::new(Value::Null)
    }
}
