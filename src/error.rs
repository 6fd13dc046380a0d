//! One error type for the whole service. GraphQL maps it to `extensions.code` in one place
//! (`graphql::errors`); the CLI prints it.

use sea_orm::{DbErr, SqlErr};

use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: names the field and the problem. Nothing was written.
    #[error("{0}")]
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
            _ => AppError::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}
