//! The one place where errors become GraphQL errors with `extensions.code`.
//!
//! Resolvers return [`AppError`]s with `?`; async-graphql keeps the original error as the
//! source, and [`add_codes`] reads it back. Errors async-graphql raises itself (a value of
//! the wrong type, an unknown field) are bad input too, so they get `VALIDATION`.

use async_graphql::{Response, ServerError, Value};

use crate::error::AppError;

/// Adds codes to every error of a response; the HTTP handler calls it on each response.
pub fn add_codes(mut response: Response) -> Response {
    response.errors.iter_mut().for_each(add_code);
    response
}

/// Sets `extensions.code` (and `extensions.field` for validation errors) on one error.
pub fn add_code(error: &mut ServerError) {
    if error.extensions.as_ref().is_some_and(|e| e.get("code").is_some()) {
        return;
    }
    let (code, field) = match error.source::<AppError>() {
        Some(app_error) => {
            match app_error {
                AppError::Internal(_) => {
                    tracing::error!(error = app_error.cause(), path = ?error.path, "internal error")
                }
                AppError::Unavailable(_) => {
                    tracing::warn!(error = app_error.cause(), path = ?error.path, "database unavailable")
                }
                _ => {}
            }
            (app_error.code(), app_error.field().map(str::to_owned))
        }
        // The schema's own limits, reported by message.
        None if error.message == "Query is nested too deep." => ("QUERY_TOO_DEEP", None),
        None if error.message == "Query is too complex." => ("QUERY_TOO_COMPLEX", None),
        None => {
            if let Some(message) = with_enum_values(&error.message) {
                error.message = message;
            }
            ("VALIDATION", None)
        }
    };
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    if let Some(field) = field {
        extensions.set("field", Value::String(field));
    }
}

/// async-graphql's "enumeration type \"Status\" does not contain the value \"DONE\"" names the
/// enum but not what it holds: add the valid values, read from the schema.
fn with_enum_values(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("numeration type \"")?;
    let (name, rest) = rest.split_once('"')?;
    if !rest.contains("does not contain the value") {
        return None;
    }
    static SDL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sdl = SDL.get_or_init(super::sdl);
    let (_, body) = sdl.split_once(&format!("enum {name} {{"))?;
    let (body, _) = body.split_once('}')?;
    let values: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && line
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    Some(format!("{message}; valid values: {}", values.join(", ")))
}
