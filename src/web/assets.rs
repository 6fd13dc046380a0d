//! Static files, built into the binary: Designsystemet's CSS (assets/vendor), tiltak's own
//! stylesheet, and the small offline GraphQL explorer that replaced GraphiQL (whose scripts
//! came from a CDN that locked-down networks cannot reach).

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};

const FILES: &[(&str, &str, &str)] = &[
    (
        "tiltak.css",
        "text/css; charset=utf-8",
        include_str!("assets/tiltak.css"),
    ),
    (
        "explorer.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/explorer.js"),
    ),
    (
        "vendor/designsystemet/designsystemet.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/vendor/designsystemet/designsystemet.css"),
    ),
    (
        "vendor/designsystemet/theme.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/vendor/designsystemet/theme.css"),
    ),
];

/// `GET /assets/{path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

/// `GET /graphql` in a browser: a query, variables and a token, sent with the page's own script.
pub async fn explorer() -> Html<&'static str> {
    Html(include_str!("templates/explorer.html"))
}
