//! One error type for the whole service. GraphQL maps it to `extensions.code` in one place
//! (`graphql::errors`); the CLI prints it.

use sea_orm::{DbErr, SqlErr};

use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: names the field and the problem. Nothing was written. Transparent, so a
    /// printed cause chain (`{:#}`) says it once rather than once more as its own source.
    #[error(transparent)]
    Validation(#[from] FieldError),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The change collides with another one (a stale version, a duplicate number).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    /// The database cannot be reached just now: try again shortly (HTTP 503 with Retry-After).
    /// Logged with its cause; never a reason for a client to drop its token.
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable(#[source] anyhow::Error),
    /// A fault of ours: logged with its cause chain, shown to clients only as "internal error".
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(FieldError::new(field, message))
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// The code clients see in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "VALIDATION",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The input field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation(e) => Some(&e.field),
            _ => None,
        }
    }
}

impl From<DbErr> for AppError {
    /// A unique-constraint violation that a service's own check did not catch (a race) is a
    /// conflict, not our fault; everything else from the database is internal.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                AppError::Conflict(format!("the change collides with an existing record ({detail})"))
            }
            _ if unreachable_database(&err) => AppError::Unavailable(err.into()),
            _ => AppError::Internal(err.into()),
        }
    }
}

/// Whether the error says the database could not be reached, rather than that a statement failed.
fn unreachable_database(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    match err {
        // Connecting, or waiting for a connection, failed.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            match error.as_ref() {
                Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed | Error::Tls(_) => true,
                // PostgreSQL's connection exceptions (08…) and operator interventions (57P…: the
                // server shutting down, or this session terminated).
                Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl AppError {
    /// The cause chain of a fault, for the log (`Display` alone says only "internal error").
    pub fn cause(&self) -> String {
        match self {
            AppError::Internal(cause) | AppError::Unavailable(cause) => format!("{cause:#}"),
            other => other.to_string(),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}
