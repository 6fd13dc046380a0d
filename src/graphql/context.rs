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
    /// Live subscriptions open on this WebSocket connection.
    pub subscriptions: Arc<std::sync::atomic::AtomicUsize>,
}

impl RequestContext {
    /// `query`: the request only reads, so its loaders may keep what they read (see `loaders`).
    pub fn new(state: &AppState, viewer: Option<Viewer>, query: bool) -> Self {
        let loaders = viewer
            .as_ref()
            .map(|v| Loaders::new(&state.db, v.organization_id, query, state.batch_waits.clone()));
        Self {
            viewer,
            loaders,
            token: None,
            subscriptions: Arc::default(),
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
        .map_err(|_| AppError::validation(field, format!("{} is not a valid id", super::gate::quote(id.as_str()))))
}

/// An optional id argument: absent stays `None`, a bad one is a validation error naming `field`.
pub fn parse_opt_id(field: &str, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}

pub fn parse_ids(field: &str, ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

/// The `first`/`after` arguments of a list that grows: at most `graphql.max_page` items (and
/// that many when `first` is not given), after the item whose id is `after`.
#[derive(Debug, Default, Clone)]
pub struct Page {
    pub first: Option<i32>,
    pub after: Option<ID>,
}

impl Page {
    pub fn new(first: Option<i32>, after: Option<ID>) -> Self {
        Self { first, after }
    }

    /// How many items to return, or a validation error naming `first`.
    pub fn size(&self, max_page: usize) -> AppResult<usize> {
        match self.first {
            None => Ok(max_page),
            Some(n) if n >= 0 && n as usize <= max_page => Ok(n as usize),
            Some(n) => Err(AppError::validation(
                "first",
                format!("{n} is not between 0 and {max_page} (graphql.max_page)"),
            )),
        }
    }

    /// The page of an ordered list: the items after the one whose id is `after`, at most `size`.
    pub fn apply<T>(&self, items: Vec<T>, max_page: usize, id: impl Fn(&T) -> String) -> AppResult<Vec<T>> {
        let size = self.size(max_page)?;
        let start = match &self.after {
            None => 0,
            Some(after) => {
                1 + items
                    .iter()
                    .position(|item| id(item) == after.as_str())
                    .ok_or_else(|| {
                        AppError::validation(
                            "after",
                            format!(
                                "{} is not the id of an item in this list",
                                super::gate::quote(after.as_str())
                            ),
                        )
                    })?
            }
        };
        Ok(items.into_iter().skip(start).take(size).collect())
    }
}
