//! The one place where errors become GraphQL errors with `extensions.code`.
//!
//! Resolvers return [`AppError`]s with `?`; async-graphql keeps the original error as the
//! source, and [`add_codes`] reads it back. Refusals of the gate and the schema's limits are
//! made with their code set, and kept; nothing is recognised by its message. Errors
//! async-graphql raises itself (a value of the wrong type, an unknown field) are bad input,
//! so they get `VALIDATION`.

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
        // What async-graphql refuses itself (a value of the wrong type, an unknown field) is
        // bad input. Its other refusals carry their code from where they arise: the gate's
        // (size, depth, complexity, enum values) and the schema's depth limit.
        None => ("VALIDATION", None),
    };
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    if let Some(field) = field {
        extensions.set("field", Value::String(field));
    }
}
