//! The HTTP surface: GraphQL, GraphiQL and health.

use async_graphql::{BatchResponse, Response, ServerError, http::GraphiQLSource};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{Html, IntoResponse},
    routing::get,
};

use crate::{
    graphql::{TiltakSchema, context::RequestContext, errors},
    services::auth,
    state::AppState,
};

#[derive(Clone)]
struct Http {
    state: AppState,
    schema: TiltakSchema,
}

pub fn router(state: AppState, schema: TiltakSchema) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/health", get(health))
        .with_state(Http { state, schema })
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("tiltak").finish())
}

/// Runs a GraphQL request (or a batch) as the person behind the bearer token, if any.
async fn graphql(
    State(http): State<Http>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
) -> axum::response::Response {
    let viewer = match bearer_token(&headers) {
        None => None,
        Some(token) => match auth::authenticate(&http.state.db, token, http.state.now()).await {
            Ok(viewer) => Some(viewer),
            Err(err) => {
                let mut error = ServerError::new(err.to_string(), None);
                error.source = Some(std::sync::Arc::new(err));
                let response = errors::add_codes(Response::from_errors(vec![error]));
                return (StatusCode::UNAUTHORIZED, GraphQLResponse::from(response)).into_response();
            }
        },
    };
    let request = request.into_inner().data(RequestContext::new(&http.state, viewer));
    let response = match http.schema.execute_batch(request).await {
        BatchResponse::Single(response) => BatchResponse::Single(errors::add_codes(response)),
        BatchResponse::Batch(responses) => BatchResponse::Batch(responses.into_iter().map(errors::add_codes).collect()),
    };
    GraphQLResponse::from(response).into_response()
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// 200 when the database answers, 503 otherwise.
async fn health(State(http): State<Http>) -> impl IntoResponse {
    match http.state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable" })),
            )
        }
    }
}
