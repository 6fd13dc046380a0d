//! What a GraphQL request must pass before it runs: size, batch size, introspection when it is
//! off, and the per-token mutation rate. Depth and complexity are checked by the schema.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{
    BatchRequest, Positioned, Request,
    parser::{
        parse_query,
        types::{FragmentDefinition, OperationType, Selection, SelectionSet},
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
    checks: Arc<AtomicUsize>,
}

impl Limits {
    pub fn new(settings: &GraphqlSettings) -> Self {
        let per_minute = NonZeroU32::new(settings.mutations_per_minute.max(1)).expect("at least one");
        Self {
            settings: settings.clone(),
            mutations: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            checks: Arc::new(AtomicUsize::new(0)),
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
                    root_fields(&op.node.selection_set.node, &document.fragments, 0)
                        .iter()
                        .any(|name| matches!(name.as_str(), "__schema" | "__type"))
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
            // Every top-level mutation field counts, so aliases cannot bundle many changes.
            let changes: usize = operations
                .iter()
                .filter(|op| op.node.ty == OperationType::Mutation)
                .map(|op| root_fields(&op.node.selection_set.node, &document.fragments, 0).len())
                .sum();
            if changes > 0 {
                self.take(token, changes)?;
            }
        }
        Ok(())
    }

    fn take(&self, token: Option<&str>, changes: usize) -> Result<(), Refusal> {
        let refused = || Refusal {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "RATE_LIMITED",
            message: format!(
                "more than {} changes a minute with this token; wait a little and try again",
                self.settings.mutations_per_minute
            ),
        };
        // Forget tokens that have been quiet long enough to be back at a full allowance.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1000 == 999 {
            self.mutations.retain_recent();
        }
        let key = token.map_or_else(|| "anonymous".to_owned(), crate::services::auth::hash_token);
        let n = NonZeroU32::new(u32::try_from(changes).unwrap_or(u32::MAX)).expect("at least one change");
        match self.mutations.check_key_n(&key, n) {
            Ok(Ok(_)) => Ok(()),
            _ => Err(refused()),
        }
    }
}

/// The names of the fields selected at the root, through inline fragments and fragment spreads.
fn root_fields(
    set: &SelectionSet,
    fragments: &HashMap<async_graphql::Name, Positioned<FragmentDefinition>>,
    depth: usize,
) -> Vec<String> {
    if depth > 10 {
        return Vec::new();
    }
    let mut names = Vec::new();
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => names.push(field.node.name.node.to_string()),
            Selection::InlineFragment(inline) => {
                names.extend(root_fields(&inline.node.selection_set.node, fragments, depth + 1));
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    names.extend(root_fields(&fragment.node.selection_set.node, fragments, depth + 1));
                }
            }
        }
    }
    names
}
