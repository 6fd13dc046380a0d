//! Who is asking: API tokens and the viewer they stand for, and what the viewer may do
//! ([`policy`]).
//!
//! The viewer is built from a token here, from a web session in [`sessions`], and a sign-in
//! with the organization's Entra ID ([`entra`]) opens such a session: the same [`Viewer`],
//! without any resolver knowing.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod action_links;
pub mod cache;
pub mod entra;
pub mod last_use;
pub mod policy;
pub mod sessions;

pub use cache::{TokenCache, credentials_changed};
pub use policy::{Permission, Relation, authorize};

use crate::{
    domain::{Role, Via},
    entities::{api_token, person},
    error::{AppError, AppResult},
    services::{Joined, joined},
};

/// The person behind a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub name: String,
    pub email: String,
    /// Set when the request came through a way worth noting in the history (an email link).
    pub via: Option<Via>,
    /// For a signed-in browser's session: the value GraphQL wants in `X-CSRF-Token` when the
    /// session cookie is what signs a request in (see [`sessions::graphql_csrf`]).
    pub graphql_csrf: Option<String>,
}

impl Viewer {
    /// The viewer a person stands for, whichever way they signed in (token, session, SSO):
    /// the one place a viewer is built.
    pub fn of(person: person::Model) -> AppResult<Viewer> {
        Ok(Viewer {
            person_id: person.id,
            organization_id: person.organization_id,
            role: person.role,
            unit_id: person.unit_id,
            name: person.name,
            email: person.email,
            via: None,
            graphql_csrf: None,
        })
    }
}

/// Prefix that makes a tiltak token recognisable in logs and secret scanners.
const TOKEN_PREFIX: &str = "tiltak_";

/// A new random 256-bit token and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Stores a token for a person and returns the secret, shown once.
#[tracing::instrument(skip_all, fields(person = %person.id))]
pub async fn issue_token(
    db: &DatabaseConnection,
    person: &person::Model,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<String> {
    let (token, token_hash) = new_token();
    api_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(person.organization_id),
        person_id: Set(person.id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The viewer behind a bearer token, or `Unauthenticated` for an unknown, expired or revoked one.
/// The token and its person come from `tokens` when it holds them (see [`cache`]), else from
/// the database in one statement.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &DatabaseConnection,
    tokens: &TokenCache,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Viewer> {
    let refused = || AppError::Unauthenticated("the bearer token is not valid".into());
    let hash = hash_token(token.trim());
    let (mut token, viewer, read) = match tokens.get(&hash) {
        Some(entry) => (entry.token, entry.viewer, None),
        None => {
            let read = tokens.start_read();
            // The token and its person in one statement; a person row this version cannot
            // read (a role it does not know) is an internal error, not "not signed in".
            let (token, person) = api_token::Entity::find()
                .find_also_related(person::Entity)
                .filter(api_token::Column::TokenHash.eq(hash.as_str()))
                .into_model::<api_token::Model, Joined<person::Model>>()
                .one(db)
                .await?
                .ok_or_else(refused)?;
            let person = joined(person).ok_or_else(refused)?;
            (token, Viewer::of(person)?, Some(read))
        }
    };
    if !matches!(token_state(&token, now), TokenState::Valid(_)) {
        return Err(refused());
    }
    // Last use is kept to the minute, so a busy client does not write on every request, and
    // it is written beside the request, not on its path.
    let stale = token
        .last_used_at
        .is_none_or(|at| now - at >= chrono::Duration::minutes(1));
    if stale {
        tokens.last_uses.note(db, token.id, now);
        token.last_used_at = Some(now);
    }
    match read {
        Some(read) => tokens.put(hash, read, token, viewer.clone()),
        None if stale => tokens.touch(&hash, now),
        None => {}
    }
    Ok(viewer)
}

/// Where a token stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Works, until the expiry if it has one.
    Valid(Option<DateTime<Utc>>),
    Expired(DateTime<Utc>),
    Revoked(DateTime<Utc>),
}

/// A revoked token stays revoked; an unrevoked one expires at its expiry.
pub fn token_state(token: &api_token::Model, now: DateTime<Utc>) -> TokenState {
    match (token.revoked_at, token.expires_at) {
        (Some(at), _) => TokenState::Revoked(at),
        (None, Some(at)) if at <= now => TokenState::Expired(at),
        (None, until) => TokenState::Valid(until),
    }
}

/// A token as listed for operators: never the secret, which is not stored.
pub struct TokenInfo {
    pub token: api_token::Model,
    pub person: person::Model,
}

/// The organization's tokens, oldest first.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn tokens(db: &DatabaseConnection, organization_id: Uuid) -> AppResult<Vec<TokenInfo>> {
    use sea_orm::QueryOrder;
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::OrganizationId.eq(organization_id))
        .order_by_asc(api_token::Column::CreatedAt)
        .all(db)
        .await?;
    let people = person::Entity::find()
        .filter(person::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    Ok(tokens
        .into_iter()
        .filter_map(|token| {
            let person = people.iter().find(|p| p.id == token.person_id)?.clone();
            Some(TokenInfo { token, person })
        })
        .collect())
}

/// The organization a token belongs to.
#[tracing::instrument(skip_all, fields(token = %id))]
pub async fn token_organization(db: &DatabaseConnection, id: Uuid) -> AppResult<Uuid> {
    Ok(api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("token", id))?
        .organization_id)
}

/// Revokes a token by its id; it is refused from then on. Revoking twice is harmless.
#[tracing::instrument(skip_all, fields(org = %organization_id, token = %id))]
pub async fn revoke_token(
    db: &DatabaseConnection,
    organization_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<api_token::Model> {
    let token =
        super::find_in_org::<api_token::Entity, _>(db, |t| t.organization_id, organization_id, "token", id).await?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut row: api_token::ActiveModel = token.into();
    row.revoked_at = Set(Some(now));
    let revoked = row.update(db).await?;
    credentials_changed();
    Ok(revoked)
}
