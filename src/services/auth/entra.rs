//! Signing in with the organization's Microsoft Entra ID: the OpenID Connect authorization-code
//! flow with PKCE, `state` and `nonce` (the `openidconnect` crate checks the ID token: its
//! signature against the provider's keys, issuer, audience, expiry and nonce). On top of
//! that, tiltak's own rules: the token must come from the organization's own tenant (`tid`),
//! `oid` is the person's key, a first sign-in finds an existing person by verified email, and
//! the Entra app roles (`roles`) give the tiltak role, at every sign-in. Someone whose roles
//! give none is refused, and nothing is stored about them.
//!
//! A flow under way is a row (`oidc_flow`), so any instance can finish it, and it is used up
//! at the callback whatever comes next: a replayed `state` finds nothing.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
        CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, Func},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Viewer, hash_token, sessions};
use crate::{
    config::{EntraSettings, Settings},
    domain::{Role, validate_email},
    entities::{oidc_flow, person, unit, web_session},
    error::{AppError, AppResult},
    services::{
        bootstrap,
        org::{self, NewPerson},
    },
};

/// How a session opened this way is marked (`web_session.method`).
pub const METHOD_ENTRA_ID: &str = "entra-id";

/// The path Entra ID sends the browser back to: register `{http.public_url}` + this.
pub const CALLBACK_PATH: &str = "/sso/callback";

/// The claims Entra ID adds that tiltak reads.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EntraClaims {
    /// The tenant (directory) the person signed in with.
    #[serde(default)]
    pub tid: Option<String>,
    /// The person's object id in that tenant: stable, unlike the email address.
    #[serde(default)]
    pub oid: Option<String>,
    /// The app roles assigned to the person (or a group they are in) for this app.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Entra's optional claim that the email's domain is verified by the tenant.
    #[serde(default)]
    pub xms_edov: Option<serde_json::Value>,
}

impl AdditionalClaims for EntraClaims {}

type EntraTokenResponse = StandardTokenResponse<
    IdTokenFields<
        EntraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type EntraClient = Client<
    EntraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    EntraTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The client for the provider's endpoints; it follows no redirects (SSRF).
static HTTP: LazyLock<openidconnect::reqwest::Client> = LazyLock::new(|| {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .expect("the HTTP client builds")
});

/// A configured provider the sign-in page offers.
pub struct Provider {
    pub key: String,
    /// The organization as configured (for the button when there are several).
    pub organization: String,
}

/// The organizations that sign in with Entra ID, by key.
pub fn providers(settings: &Settings) -> Vec<Provider> {
    settings
        .sso
        .organizations
        .iter()
        .map(|(key, entra)| Provider {
            key: key.clone(),
            organization: entra.organization.clone(),
        })
        .collect()
}

/// The organizations whose people may not sign in by a link sent by email
/// (`email_sign_in = false`); a configured organization that does not exist is left out.
#[tracing::instrument(skip_all)]
pub async fn email_sign_in_off(db: &DatabaseConnection, settings: &Settings) -> AppResult<Vec<Uuid>> {
    let mut off = Vec::new();
    for (key, entra) in settings.sso.organizations.iter().filter(|(_, e)| !e.email_sign_in) {
        match bootstrap::organization_by_id_or_name(db, entra.organization.trim()).await {
            Ok(organization) => off.push(organization.id),
            Err(AppError::NotFound { .. }) => {
                tracing::warn!(provider = %key, organization = %entra.organization, "sso: no such organization")
            }
            Err(error) => return Err(error),
        }
    }
    Ok(off)
}

/// Whether the sign-in page offers the link by email: some organization still allows it.
#[tracing::instrument(skip_all)]
pub async fn email_sign_in_offered(db: &DatabaseConnection, settings: &Settings) -> AppResult<bool> {
    if settings.sso.organizations.values().all(|e| e.email_sign_in) {
        return Ok(true);
    }
    let off = email_sign_in_off(db, settings).await?;
    Ok(crate::entities::organization::Entity::find()
        .all(db)
        .await?
        .iter()
        .any(|o| !off.contains(&o.id)))
}

/// Why a sign-in with Entra ID was refused. Nothing was stored about the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The `state` is unknown, used already, expired, or not this browser's.
    Flow,
    /// Entra ID answered with an error, or its token did not pass the checks (signature,
    /// issuer, audience, expiry, nonce, PKCE).
    Token,
    /// The token comes from another tenant than the organization's.
    Tenant,
    /// None of the person's app roles gives a tiltak role.
    NoRole,
    /// The email address is another person's in tiltak, and Entra ID does not vouch for it.
    Email,
}

/// A finished sign-in: the session's secret (for the cookie), its viewer, and where to go.
pub struct SignedIn {
    pub secret: String,
    pub viewer: Viewer,
    pub next: String,
}

fn provider<'a>(settings: &'a Settings, key: &str) -> AppResult<&'a EntraSettings> {
    settings
        .sso
        .organizations
        .get(key)
        .ok_or_else(|| AppError::not_found("sign-in provider", key))
}

/// Discovery (the provider's endpoints and keys) and the client for one organization.
async fn client(settings: &Settings, entra: &EntraSettings) -> AppResult<EntraClient> {
    let issuer = IssuerUrl::new(entra.issuer_url())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("sso issuer {:?}: {e}", entra.issuer_url())))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &*HTTP)
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("Entra ID discovery failed")))?;
    let redirect = RedirectUrl::new(format!("{}{CALLBACK_PATH}", settings.public_url()))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("http.public_url: {e}")))?;
    Ok(EntraClient::from_provider_metadata(
        metadata,
        ClientId::new(entra.client_id.trim().to_owned()),
        Some(ClientSecret::new(entra.client_secret.expose().to_owned())),
    )
    .set_redirect_uri(redirect))
}

/// Starts a sign-in: stores the flow and returns the provider's authorization URL and the
/// `state` (which the browser keeps in a cookie until it comes back).
#[tracing::instrument(skip_all, fields(provider = %key))]
pub async fn start(
    db: &DatabaseConnection,
    settings: &Settings,
    key: &str,
    next: &str,
    now: DateTime<Utc>,
) -> AppResult<(String, String)> {
    let entra = provider(settings, key)?;
    let organization = bootstrap::organization_by_id_or_name(db, entra.organization.trim()).await?;
    let client = client(settings, entra).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    // Flows nobody finished are of no use a day later.
    oidc_flow::Entity::delete_many()
        .filter(oidc_flow::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    oidc_flow::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization.id),
        provider: Set(key.to_owned()),
        state_hash: Set(hash_token(state.secret())),
        nonce: Set(nonce.secret().clone()),
        pkce_verifier: Set(verifier.secret().clone()),
        next_path: Set(next.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(settings.sso.flow_minutes.max(1))),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((url.to_string(), state.secret().clone()))
}

/// Uses up the flow behind `state`: the one caller that does gets it.
async fn take_flow(db: &DatabaseConnection, state: &str, now: DateTime<Utc>) -> AppResult<Option<oidc_flow::Model>> {
    let hash = hash_token(state.trim());
    let used = oidc_flow::Entity::update_many()
        .col_expr(oidc_flow::Column::UsedAt, Expr::value(now))
        .filter(oidc_flow::Column::StateHash.eq(&hash))
        .filter(oidc_flow::Column::UsedAt.is_null())
        .filter(oidc_flow::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Ok(None);
    }
    Ok(oidc_flow::Entity::find()
        .filter(oidc_flow::Column::StateHash.eq(&hash))
        .one(db)
        .await?)
}

/// What the ID token says about the person, once it passed every check.
struct Identity {
    oid: String,
    email: String,
    email_verified: bool,
    name: String,
    /// `None`: none of their app roles gives a tiltak role.
    role: Option<Role>,
}

/// Finishes a sign-in at the callback: the flow is used up, the code exchanged with the PKCE
/// verifier, the ID token checked, and the person found (or made) and signed in with a new
/// session, all or nothing. `Ok(Err(refusal))` when the person is not let in.
#[tracing::instrument(skip_all)]
pub async fn finish(
    db: &DatabaseConnection,
    settings: &Settings,
    state: &str,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<SignedIn, Refusal>> {
    let Some(flow) = take_flow(db, state, now).await? else {
        tracing::warn!("Entra ID sign-in refused: unknown, used or expired state");
        return Ok(Err(Refusal::Flow));
    };
    let Ok(entra) = provider(settings, &flow.provider) else {
        tracing::warn!(provider = %flow.provider, "Entra ID sign-in refused: the provider is no longer configured");
        return Ok(Err(Refusal::Flow));
    };
    let identity = match identity(settings, entra, &flow, code, now).await? {
        Ok(identity) => identity,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(role) = identity.role else {
        // Entra ID no longer gives them a role: the sessions they still have end too.
        let known = person::Entity::find()
            .filter(person::Column::OrganizationId.eq(flow.organization_id))
            .filter(person::Column::EntraOid.eq(&identity.oid))
            .one(db)
            .await?;
        let mut ended = 0;
        if let Some(known) = known {
            ended = web_session::Entity::update_many()
                .col_expr(web_session::Column::RevokedAt, Expr::value(now))
                .filter(web_session::Column::PersonId.eq(known.id))
                .filter(web_session::Column::RevokedAt.is_null())
                .exec(db)
                .await?
                .rows_affected;
        }
        tracing::warn!(oid = %identity.oid, sessions_ended = ended,
            "Entra ID sign-in refused: no app role that gives a tiltak role");
        return Ok(Err(Refusal::NoRole));
    };
    let txn = db.begin().await?;
    let person = match person_for(&txn, flow.organization_id, &identity, role, now).await? {
        Ok(person) => person,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let secret = sessions::open_session(&txn, &settings.web, &person, METHOD_ENTRA_ID, now).await?;
    txn.commit().await?;
    // The sign-in may have given the person another role; their tokens carry it from now on.
    super::credentials_changed();
    tracing::info!(person = %person.id, org = %person.organization_id, role = %person.role, "signed in with Entra ID");
    Ok(Ok(SignedIn {
        secret,
        viewer: Viewer::of(person)?,
        next: flow.next_path,
    }))
}

/// The code exchanged and the ID token checked: by the crate (signature, issuer, audience,
/// expiry, nonce; PKCE at the provider), then tenant, object id and roles.
async fn identity(
    settings: &Settings,
    entra: &EntraSettings,
    flow: &oidc_flow::Model,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<Identity, Refusal>> {
    let client = client(settings, entra).await?;
    let request = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("Entra ID has no token endpoint")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()));
    let response = match request.request_async(&*HTTP).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(error = %error, "Entra ID sign-in refused: the code exchange failed");
            return Ok(Err(Refusal::Token));
        }
    };
    let Some(id_token) = response.id_token() else {
        tracing::warn!("Entra ID sign-in refused: no ID token");
        return Ok(Err(Refusal::Token));
    };
    let verifier = client.id_token_verifier().set_time_fn(move || now);
    let claims = match id_token.claims(&verifier, &Nonce::new(flow.nonce.clone())) {
        Ok(claims) => claims,
        Err(error) => {
            tracing::warn!(error = %error, "Entra ID sign-in refused: the ID token did not pass");
            return Ok(Err(Refusal::Token));
        }
    };
    if let Some(expected) = claims.access_token_hash() {
        let actual = id_token
            .signing_alg()
            .ok()
            .zip(id_token.signing_key(&verifier).ok())
            .and_then(|(alg, key)| AccessTokenHash::from_token(response.access_token(), alg, key).ok());
        if actual.as_ref() != Some(expected) {
            tracing::warn!("Entra ID sign-in refused: the access token does not match the ID token's at_hash");
            return Ok(Err(Refusal::Token));
        }
    }
    let extra = claims.additional_claims();
    let tenant = entra.tenant_id.trim();
    if !extra
        .tid
        .as_deref()
        .is_some_and(|tid| tid.trim().eq_ignore_ascii_case(tenant))
    {
        tracing::warn!(tid = ?extra.tid, "Entra ID sign-in refused: the token is from another tenant");
        return Ok(Err(Refusal::Tenant));
    }
    let Some(oid) = extra.oid.as_deref().map(str::trim).filter(|o| !o.is_empty()) else {
        tracing::warn!("Entra ID sign-in refused: no oid claim");
        return Ok(Err(Refusal::Token));
    };
    let role = settings.sso.role_of(extra.roles.iter().map(String::as_str));
    if role.is_none() {
        tracing::warn!(oid, roles = ?extra.roles, "no Entra app role of the person gives a tiltak role");
    }
    let address = claims
        .email()
        .map(|e| e.as_str().to_owned())
        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
        .unwrap_or_default();
    let Ok(email) = validate_email("email", &address) else {
        tracing::warn!(oid, "Entra ID sign-in refused: no usable email address in the token");
        return Ok(Err(Refusal::Email));
    };
    let verified = claims.email().is_some()
        && (claims.email_verified() == Some(true)
            || matches!(&extra.xms_edov, Some(serde_json::Value::Bool(true)))
            || matches!(&extra.xms_edov, Some(serde_json::Value::String(s)) if s == "1" || s.eq_ignore_ascii_case("true")));
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.clone());
    Ok(Ok(Identity {
        oid: oid.to_owned(),
        email,
        email_verified: verified,
        name,
        role,
    }))
}

/// The person the identity is: by object id, else (first sign-in) by verified email, else a
/// new person. Their role is the one Entra ID gives now.
async fn person_for(
    txn: &impl ConnectionTrait,
    organization_id: Uuid,
    identity: &Identity,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<Result<person::Model, Refusal>> {
    let known = person::Entity::find()
        .filter(person::Column::OrganizationId.eq(organization_id))
        .filter(person::Column::EntraOid.eq(&identity.oid))
        .one(txn)
        .await?;
    let person = match known {
        Some(person) => person,
        None => match org::person_by_email(txn, organization_id, &identity.email).await? {
            Some(person) if person.entra_oid.is_none() && identity.email_verified => person,
            Some(person) => {
                tracing::warn!(person = %person.id, oid = %identity.oid,
                    "Entra ID sign-in refused: the email is another person's and not verified by Entra ID");
                return Ok(Err(Refusal::Email));
            }
            None => {
                // A unit's leader is known by the unit's leader email before they sign in.
                let led = unit::Entity::find()
                    .filter(unit::Column::OrganizationId.eq(organization_id))
                    .filter(sea_orm::sea_query::ExprTrait::eq(
                        Func::lower(Expr::col(unit::Column::LeaderEmail)),
                        identity.email.clone(),
                    ))
                    .one(txn)
                    .await?;
                org::insert_person(
                    txn,
                    organization_id,
                    now,
                    NewPerson {
                        name: identity.name.clone(),
                        email: identity.email.clone(),
                        role,
                        unit_id: led.map(|u| u.id),
                    },
                )
                .await?
            }
        },
    };
    if person.role == role && person.entra_oid.as_deref() == Some(identity.oid.as_str()) {
        return Ok(Ok(person));
    }
    let mut row: person::ActiveModel = person.into();
    row.role = Set(role);
    row.entra_oid = Set(Some(identity.oid.clone()));
    Ok(Ok(row.update(txn).await?))
}
