//! The HTTP surface: GraphQL (and its WebSocket for subscriptions), GraphiQL, calendar
//! feeds, action links from emails, and health.

use std::sync::Arc;

use async_graphql::{BatchResponse, Data, Response, ServerError};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Json, Router,
    extract::{Path, State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header, header::AUTHORIZATION},
    response::IntoResponse,
    routing::get,
};

mod metrics;

use crate::{
    error::AppError,
    graphql::{
        self,
        context::RequestContext,
        errors,
        gate::{Gate, Refusal},
    },
    report,
    services::{
        auth, calendar,
        reports::{self, View},
    },
    state::AppState,
};

/// What the routes share, behind one `Arc`: axum clones a route's state for every request,
/// and cloning this (a dozen `Arc`s and the gate's settings) was a few percent of a request.
struct Http {
    state: AppState,
    schema: graphql::executor::Executor,
    subscriptions: graphql::SubscriptionSchema,
    gate: Gate,
}

/// Security headers on every response; GraphiQL sets its own, looser, content policy.
const HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
];

/// Installs the Prometheus recorder (once per process) so counters recorded anywhere appear on
/// `/metrics`.
pub fn install_metrics() {
    metrics::handle();
}

pub fn router(state: AppState, schema: graphql::executor::Executor) -> Router {
    let settings = state.settings.clone();
    let gate = Gate::new(&settings.graphql);
    let mut router = Router::new()
        .route("/graphql", get(crate::web::explorer).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/calendar/{file}", get(calendar_feed))
        .route("/reports/{plan_id}/{file}", get(report_download))
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/metrics", get(prometheus))
        .with_state(Arc::new(Http {
            subscriptions: graphql::subscription_schema(state.clone(), gate.clone()),
            state: state.clone(),
            schema,
            gate,
        }))
        .merge(crate::web::router(state))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            settings.http.max_body_bytes,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(settings.http.request_timeout_seconds),
        ));
    for (name, value) in HEADERS {
        router = router.layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        ));
    }
    let origins: Vec<header::HeaderValue> = settings
        .http
        .cors_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    if !origins.is_empty() {
        router = router.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    router
}

/// The header a page's own GraphQL call carries with the session cookie.
const CSRF_HEADER: &str = "x-csrf-token";

/// Runs a GraphQL request (or a batch) as the person behind the bearer token, if any, or else
/// behind the web pages' session cookie, which counts only with the session's
/// `X-CSRF-Token` (so another site cannot make a signed-in browser call GraphQL). The gate
/// comes first: a refused request costs no SQL, not even the token's look-up.
async fn graphql(
    State(http): State<Arc<Http>>,
    headers: HeaderMap,
    GraphqlBody(mut batch): GraphqlBody,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let token = bearer_token(&headers);
    let session = match token {
        Some(_) => None,
        None => crate::web::session_secret(&headers),
    };
    let admitted = match http.gate.check_batch(&mut batch, token.or(session.as_deref())) {
        Ok(admitted) => admitted,
        Err(refusal) => return refused(refusal),
    };
    let operation = if admitted.mutations > 0 { "mutation" } else { "query" };
    let state = &http.state;
    let signed_in = match (token, &session) {
        (None, None) => None,
        (Some(token), _) => Some(auth::authenticate(&state.db, &state.tokens, token, state.now()).await),
        (None, Some(secret)) => {
            use subtle::ConstantTimeEq;
            let sent = headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let expected = auth::sessions::graphql_csrf(secret);
            if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
                Some(Err(AppError::Forbidden(
                    "a request signed in by the session cookie needs the page's X-CSRF-Token header \
                     (or send an API token as \"Authorization: Bearer <token>\")"
                        .into(),
                )))
            } else {
                Some(auth::sessions::authenticate_session(&state.db, &state.settings.web, secret, state.now()).await)
            }
        }
    };
    let viewer = match signed_in {
        None => None,
        Some(signed_in) => match signed_in {
            Ok(viewer) => Some(viewer),
            Err(err) => {
                ::metrics::counter!("tiltak_requests_refused_total", "code" => err.code()).increment(1);
                let status = status_of(&err);
                let mut error = ServerError::new(err.to_string(), None);
                error.source = Some(std::sync::Arc::new(err));
                let response = errors::add_codes(Response::from_errors(vec![error]));
                return with_retry_after(status, GraphQLResponse::from(response).into_response());
            }
        },
    };
    if admitted.introspects
        && let Err(refusal) = http.gate.introspection_allowed(viewer.is_some())
    {
        return refused(refusal);
    }
    let request = batch.data(RequestContext::new(&http.state, viewer, admitted.mutations == 0));
    let response = match http.schema.execute_batch(request).await {
        BatchResponse::Single(response) => BatchResponse::Single(errors::add_codes(response)),
        BatchResponse::Batch(responses) => BatchResponse::Batch(responses.into_iter().map(errors::add_codes).collect()),
    };
    if admitted.mutations > 0 {
        http.state.history_changed();
    }
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(error = %error, "could not serialize a GraphQL response");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
    };
    let limit = http.state.settings.graphql.max_response_bytes;
    if body.len() > limit {
        return refused(Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "RESPONSE_TOO_LARGE",
            message: format!(
                "the answer is {} bytes; at most {limit} are sent: ask for fewer fields, or fewer items with `first`",
                body.len()
            ),
        });
    }
    // A database that went away while the request ran: 503, so clients retry, never
    // re-authenticate; also when some fields were answered (a cached token's `me`).
    let unavailable = |r: &Response| has_code(r, "UNAVAILABLE");
    let outcome = match &response {
        BatchResponse::Single(r) => first_code(r),
        BatchResponse::Batch(rs) => rs.iter().find_map(first_code),
    }
    .unwrap_or_else(|| "ok".to_owned());
    ::metrics::counter!("tiltak_graphql_requests_total", "operation" => operation, "outcome" => outcome).increment(1);
    ::metrics::histogram!("tiltak_graphql_request_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    let status = match &response {
        BatchResponse::Single(r) if unavailable(r) => StatusCode::SERVICE_UNAVAILABLE,
        BatchResponse::Batch(rs) if !rs.is_empty() && rs.iter().all(unavailable) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    };
    let mut answer = ([(header::CONTENT_TYPE, "application/graphql-response+json")], body).into_response();
    answer.headers_mut().extend(response.http_headers());
    with_retry_after(status, answer)
}

/// A GraphQL request, or a batch of them, from a POST body. A JSON body is read whole and
/// parsed here straight into one request or a list of them, told apart by its first
/// character: async-graphql's extractor reads it through an untagged enum, which buffers the
/// whole document once more before parsing it (a twentieth of a request's CPU under `perf`).
/// Any other body (multipart) goes through async-graphql's extractor, and every error is the
/// one it gives.
struct GraphqlBody(async_graphql::BatchRequest);

impl<S: Send + Sync> axum::extract::FromRequest<S> for GraphqlBody {
    type Rejection = axum::response::Response;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use async_graphql::{BatchRequest, ParseRequestError, Request};
        use async_graphql_axum::rejection::GraphQLRejection;
        let json = match request.headers().get(header::CONTENT_TYPE) {
            // async-graphql reads a body without a content type as JSON too.
            None => true,
            Some(value) => value.to_str().is_ok_and(|value| {
                let essence = value.split(';').next().unwrap_or_default().trim();
                essence.eq_ignore_ascii_case("application/json")
                    || essence.eq_ignore_ascii_case("application/graphql-response+json")
            }),
        };
        if !json {
            return GraphQLBatchRequest::<GraphQLRejection>::from_request(request, state)
                .await
                .map(|batch| GraphqlBody(batch.into_inner()))
                .map_err(IntoResponse::into_response);
        }
        let refused = |error: ParseRequestError| GraphQLRejection(error).into_response();
        // The body's size is bounded by the router's RequestBodyLimitLayer.
        let body = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|error| refused(ParseRequestError::Io(std::io::Error::other(error.to_string()))))?;
        let batch = match body.iter().find(|byte| !byte.is_ascii_whitespace()) {
            Some(b'[') => serde_json::from_slice::<Vec<Request>>(&body).map(BatchRequest::Batch),
            _ => serde_json::from_slice::<Request>(&body).map(BatchRequest::Single),
        };
        batch
            .map(GraphqlBody)
            .map_err(|error| refused(ParseRequestError::InvalidRequest(Box::new(error))))
    }
}

/// The code of a response's first error, if any.
fn first_code(response: &Response) -> Option<String> {
    let code = response.errors.first()?.extensions.as_ref()?.get("code")?;
    match code {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

fn has_code(response: &Response, code: &str) -> bool {
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from(code))
    })
}

/// The HTTP status of an error outside GraphQL's own answers.
fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Validation(_) => StatusCode::BAD_REQUEST,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Seconds a client should wait before retrying while the database is unreachable.
const RETRY_AFTER_SECONDS: &str = "5";

fn with_retry_after(status: StatusCode, mut response: axum::response::Response) -> axum::response::Response {
    *response.status_mut() = status;
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// Errors of the plain (non-GraphQL) routes: a line of text with the status; faults are logged
/// with their cause chain and shown only as "internal error".
impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = status_of(&self);
        match &self {
            AppError::Internal(_) => tracing::error!(error = self.cause(), "request failed"),
            AppError::Unavailable(_) => tracing::warn!(error = self.cause(), "database unavailable"),
            _ => {}
        }
        with_retry_after(status, (status, format!("{self}\n")).into_response())
    }
}

fn refused(refusal: Refusal) -> axum::response::Response {
    ::metrics::counter!("tiltak_requests_refused_total", "code" => refusal.code).increment(1);
    let status = refusal.status;
    (
        status,
        GraphQLResponse::from(Response::from_errors(vec![refusal.into_server_error()])),
    )
        .into_response()
}

/// Subscriptions over WebSocket (graphql-transport-ws or graphql-ws). The token comes in the
/// `connection_init` payload as `{"token": "..."}` (browsers cannot set headers on a
/// WebSocket), or in the upgrade request's Authorization header.
async fn graphql_ws(
    State(http): State<Arc<Http>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    let header_token = bearer_token(&headers).map(str::to_owned);
    // The gate runs on every message's query; the frame size bounds what reaches it.
    let max_message = http.state.settings.graphql.max_query_bytes + 64 * 1024;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let state = http.state.clone();
            GraphQLWebSocket::new(socket, http.subscriptions.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let token = payload
                        .get("token")
                        .and_then(|t| t.as_str())
                        .map(str::to_owned)
                        .or(header_token)
                        .ok_or_else(|| async_graphql::Error::new("send {\"token\": \"...\"} in connection_init"))?;
                    let viewer = auth::authenticate(&state.db, &state.tokens, &token, state.now()).await?;
                    let mut data = Data::default();
                    data.insert(RequestContext::new(&state, Some(viewer), false).with_token(&token));
                    Ok(data)
                })
                .serve()
        })
}

/// `GET /calendar/{secret}.ics`: the iCalendar feed behind a secret from `createCalendarFeed`.
async fn calendar_feed(State(http): State<Arc<Http>>, Path(file): Path<String>) -> axum::response::Response {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    match calendar::render(&http.state.db, &http.state.settings.public_url(), secret).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "inline; filename=\"tiltak.ics\""),
            ],
            ics,
        )
            .into_response(),
        Err(AppError::NotFound { .. }) => (StatusCode::NOT_FOUND, "unknown or revoked calendar feed\n").into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct ReportQuery {
    #[serde(rename = "unitId")]
    unit_id: Option<uuid::Uuid>,
    #[serde(rename = "teamId")]
    team_id: Option<uuid::Uuid>,
}

/// `GET /reports/{planId}/{year}.{md|html|csv|docx}[?unitId=…|?teamId=…]` with a bearer token:
/// the rendered report as a file download.
async fn report_download(
    State(http): State<Arc<Http>>,
    Path((plan_id, file)): Path<(uuid::Uuid, String)>,
    axum::extract::Query(query): axum::extract::Query<ReportQuery>,
    headers: HeaderMap,
) -> axum::response::Response {
    let fail = |status: StatusCode, message: String| (status, format!("{message}\n")).into_response();
    let Some((year, extension)) = file.split_once('.') else {
        return fail(
            StatusCode::NOT_FOUND,
            "use /reports/{planId}/{year}.{md|html|csv|docx}".into(),
        );
    };
    let (Ok(year), Ok(format)) = (year.parse::<i32>(), report::Format::parse(extension)) else {
        return fail(
            StatusCode::NOT_FOUND,
            "use /reports/{planId}/{year}.{md|html|csv|docx}".into(),
        );
    };
    // An API token, or the signed-in session of the report page's download links.
    let state = &http.state;
    let viewer = match (bearer_token(&headers), crate::web::session_secret(&headers)) {
        (Some(token), _) => auth::authenticate(&state.db, &state.tokens, token, state.now()).await,
        (None, Some(secret)) => {
            auth::sessions::authenticate_session(&state.db, &state.settings.web, &secret, state.now()).await
        }
        (None, None) => {
            return fail(
                StatusCode::UNAUTHORIZED,
                "send an API token as \"Authorization: Bearer <token>\", or sign in".into(),
            );
        }
    };
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(error) => return error.into_response(),
    };
    let view = match View::of(query.unit_id, query.team_id) {
        Ok(view) => view,
        Err(error) => return error.into_response(),
    };
    match reports::report(&http.state.db, &viewer, plan_id, year, view).await {
        Ok(year_report) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"tiltak-rapport-{year}.{}\"", format.extension()),
                ),
                (header::ETAG, format!("\"{}\"", year_report.hash)),
            ],
            format.render(&year_report.report),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// 200 when the database answers, 503 otherwise.
async fn health(State(http): State<Arc<Http>>) -> impl IntoResponse {
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

/// Prometheus metrics (text format 0.0.4).
async fn prometheus(State(http): State<Arc<Http>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics::render(&http.state).await,
    )
}

/// The process is up and answering: 200, whatever the database does (for restarts).
async fn live() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "live" }))
}

/// Ready for traffic: the database answers, its migrations are current, and the scheduler
/// (where one runs in this process) went round recently. 503 with what is wrong otherwise.
async fn ready(State(http): State<Arc<Http>>) -> impl IntoResponse {
    use migration::MigratorTrait;
    let state = &http.state;
    let database = match state.db.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(error) => format!("unreachable: {error}"),
    };
    let migrations = if database == "ok" {
        match migration::Migrator::get_pending_migrations(&state.db).await {
            Ok(pending) if pending.is_empty() => "ok".to_owned(),
            Ok(pending) => format!("{} pending: run `tiltak migrate`", pending.len()),
            Err(error) => format!("unknown: {error}"),
        }
    } else {
        "unknown".to_owned()
    };
    let beat = state.scheduler_heartbeat.load(std::sync::atomic::Ordering::Relaxed);
    let stale_after = 3 * state.settings.scheduler.tick_seconds.max(1) as i64 + 5;
    let scheduler = match beat {
        0 => "not running in this process".to_owned(),
        beat if chrono::Utc::now().timestamp() - beat <= stale_after => "ok".to_owned(),
        beat => format!("no heartbeat for {} s", chrono::Utc::now().timestamp() - beat),
    };
    let ok = database == "ok" && migrations == "ok" && (beat == 0 || scheduler == "ok");
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ok { "ready" } else { "not ready" },
        "database": database,
        "migrations": migrations,
        "scheduler": scheduler,
    });
    with_retry_after(status, (status, Json(body)).into_response())
}
