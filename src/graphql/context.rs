//! What resolvers read from the GraphQL context: shared state, the viewer and the loaders.

use std::sync::Arc;

use async_graphql::{Context, ID};
use uuid::Uuid;

use super::loaders::Loaders;
use crate::{
    error::{AppError, AppResult},
    services::Viewer,
    state::AppState,
};

/// Per-request data: who is asking, and loaders scoped to their organization.
#[derive(Clone)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    pub loaders: Option<Arc<Loaders>>,
    /// The token behind the viewer, so long-lived subscriptions can check it is still valid.
    pub token: Option<String>,
}

impl RequestContext {
    pub fn new(state: &AppState, viewer: Option<Viewer>) -> Self {
        let loaders = viewer.as_ref().map(|v| Loaders::new(&state.db, v.organization_id));
        Self {
            viewer,
            loaders,
            token: None,
        }
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }
}

pub trait ContextExt {
    fn state(&self) -> &AppState;
    /// The viewer, or `UNAUTHENTICATED`: every field with data needs a token.
    fn viewer(&self) -> AppResult<&Viewer>;
    fn loaders(&self) -> AppResult<&Loaders>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.data_opt::<RequestContext>()
            .and_then(|r| r.viewer.as_ref())
            .ok_or_else(|| AppError::Unauthenticated("send an API token as \"Authorization: Bearer <token>\"".into()))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.viewer()?;
        Ok(self
            .data_unchecked::<RequestContext>()
            .loaders
            .as_deref()
            .expect("loaders exist with a viewer"))
    }
}

/// Parses a GraphQL `ID` argument; a malformed one is a validation error naming the field.
pub fn parse_id(field: &str, id: &ID) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| AppError::validation(field, format!("{:?} is not a valid id", id.as_str())))
}

pub fn parse_ids(field: &str, ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}
