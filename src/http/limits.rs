//! What a GraphQL request must pass before it runs: size, batch size, introspection when it is
//! off, and the per-token mutation rate. Depth and complexity are checked by the schema.

use std::{num::NonZeroU32, sync::Arc};

use async_graphql::{
    BatchRequest, Request,
    parser::{
        parse_query,
        types::{OperationType, Selection},
    },
};
use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::GraphqlSettings;

/// A refused request: the HTTP status, `extensions.code` and a message.
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone)]
pub struct Limits {
    settings: GraphqlSettings,
    mutations: Arc<DefaultKeyedRateLimiter<String>>,
}

impl Limits {
    pub fn new(settings: &GraphqlSettings) -> Self {
        let per_minute = NonZeroU32::new(settings.mutations_per_minute.max(1)).expect("at least one");
        Self {
            settings: settings.clone(),
            mutations: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
        }
    }

    /// Checks a request (or batch) sent with `token`.
    pub fn check(&self, batch: &BatchRequest, token: Option<&str>) -> Result<(), Refusal> {
        let requests: Vec<&Request> = match batch {
            BatchRequest::Single(request) => vec![request],
            BatchRequest::Batch(requests) => requests.iter().collect(),
        };
        if requests.len() > self.settings.max_batch {
            return Err(Refusal {
                status: StatusCode::BAD_REQUEST,
                code: "BATCH_TOO_LARGE",
                message: format!(
                    "a batch may hold at most {} operations, this one has {}",
                    self.settings.max_batch,
                    requests.len()
                ),
            });
        }
        for request in requests {
            if request.query.len() > self.settings.max_query_bytes {
                return Err(Refusal {
                    status: StatusCode::BAD_REQUEST,
                    code: "QUERY_TOO_LARGE",
                    message: format!(
                        "the query is {} bytes; at most {} are accepted",
                        request.query.len(),
                        self.settings.max_query_bytes
                    ),
                });
            }
            // A query that does not parse is left to the schema, which says why.
            let Ok(document) = parse_query(&request.query) else {
                continue;
            };
            let operations: Vec<_> = document
                .operations
                .iter()
                .filter(|(name, _)| match (&request.operation_name, name) {
                    (Some(wanted), Some(name)) => name.as_str() == wanted,
                    (Some(_), None) => false,
                    (None, _) => true,
                })
                .map(|(_, operation)| operation)
                .collect();
            if !self.settings.introspection {
                let introspects = operations.iter().any(|op| {
                    op.node.selection_set.node.items.iter().any(|item| {
                        matches!(&item.node, Selection::Field(field)
                            if matches!(field.node.name.node.as_str(), "__schema" | "__type"))
                    })
                });
                if introspects {
                    return Err(Refusal {
                        status: StatusCode::BAD_REQUEST,
                        code: "INTROSPECTION_DISABLED",
                        message: "introspection is turned off on this server (graphql.introspection); \
                                  the schema is in schema/schema.graphql"
                            .into(),
                    });
                }
            }
            let mutates = operations.iter().any(|op| op.node.ty == OperationType::Mutation);
            if mutates {
                let key = token.map_or_else(|| "anonymous".to_owned(), crate::services::auth::hash_token);
                if self.mutations.check_key(&key).is_err() {
                    return Err(Refusal {
                        status: StatusCode::TOO_MANY_REQUESTS,
                        code: "RATE_LIMITED",
                        message: format!(
                            "more than {} changes a minute with this token; wait a little and try again",
                            self.settings.mutations_per_minute
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}
