//! Signing in to the web pages without a password: a one-time link by email, then a session
//! cookie. Only hashes of the secrets are stored. The viewer a session stands for is built by
//! [`Viewer::of`], as for tokens and for a sign-in with Entra ID ([`super::entra`]), which opens
//! the same kind of session.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, Func},
};
use uuid::Uuid;

use super::{Viewer, hash_token, new_token};
use crate::services::{Joined, joined};
use crate::{
    config::{Settings, WebSettings},
    domain::{Reason, Role, validate_email},
    entities::{organization, person, sign_in_link, unit, web_session},
    error::{AppError, AppResult},
    mail,
    services::{
        org::{self, NewPerson},
        outbox,
    },
};

/// How a session was opened.
pub const METHOD_EMAIL_LINK: &str = "email-link";

/// Makes a one-time sign-in link for a person; returns the secret (shown once, never stored).
#[tracing::instrument(skip_all, fields(person = %person.id))]
pub async fn issue_sign_in_link(
    db: &impl ConnectionTrait,
    person: &person::Model,
    now: DateTime<Utc>,
    valid_for: Duration,
) -> AppResult<String> {
    let (token, token_hash) = new_token();
    sign_in_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(person.organization_id),
        person_id: Set(person.id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(now + valid_for),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// An admin makes a one-time sign-in link for someone in the organization (who cannot get
/// the email, say); returns the secret, shown once.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, person = %person_id))]
pub async fn sign_in_link_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: &WebSettings,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<String> {
    super::authorize(viewer, super::Permission::IssueCredentials, super::Relation::None)?;
    let person = crate::services::find_in_org::<person::Entity, _>(
        db,
        |p| p.organization_id,
        viewer.organization_id,
        "person",
        person_id,
    )
    .await?;
    issue_sign_in_link(
        db,
        &person,
        now,
        Duration::minutes(settings.sign_in_link_minutes.max(1)),
    )
    .await
}

/// Someone asked for a sign-in link for this address: each organization where it belongs to a
/// person (or to a unit's leader, who becomes a person then) gets one, by email through the
/// outbox. Says nothing about whether the address is known: the page shows the same answer.
/// Organizations that switched the link off (`sso.organizations.*.email_sign_in = false`)
/// send none. Returns the number of messages queued.
#[tracing::instrument(skip_all)]
pub async fn request_sign_in_link(
    db: &DatabaseConnection,
    all_settings: &Settings,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let settings = &all_settings.web;
    let public_url = &all_settings.public_url();
    let email = validate_email("email", email)?;
    let off = super::entra::email_sign_in_off(db, all_settings).await?;
    let txn = db.begin().await?;
    let mut people = person::Entity::find()
        .filter(person::Column::Email.eq(&email))
        .all(&txn)
        .await?;
    people.retain(|p| !off.contains(&p.organization_id));
    // A unit's leader is known by the unit's leader email before they ever sign in.
    let led = unit::Entity::find()
        .filter(sea_orm::sea_query::ExprTrait::eq(
            Func::lower(Expr::col(unit::Column::LeaderEmail)),
            email.clone(),
        ))
        .all(&txn)
        .await?;
    for unit in led {
        if off.contains(&unit.organization_id) || people.iter().any(|p| p.organization_id == unit.organization_id) {
            continue;
        }
        let person = org::insert_person(
            &txn,
            unit.organization_id,
            now,
            NewPerson {
                name: unit.leader_name.clone(),
                email: email.clone(),
                role: Role::UnitLeader,
                unit_id: Some(unit.id),
            },
        )
        .await?;
        people.push(person);
    }
    let valid_for = Duration::minutes(settings.sign_in_link_minutes.max(1));
    for person in &people {
        let organization = organization::Entity::find_by_id(person.organization_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("organization", person.organization_id))?;
        let token = issue_sign_in_link(&txn, person, now, valid_for).await?;
        let rendered = mail::sign_in_message(
            &person.name,
            &organization.name,
            &format!("{public_url}/logg-inn/{token}"),
            valid_for.num_minutes(),
        );
        let recipient = format!("{} <{}>", person.name.replace(['<', '>', '"'], ""), person.email);
        outbox::new_message(person.organization_id, recipient, Reason::SignIn, rendered, now)
            .insert(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(people.len())
}

/// The person a sign-in link belongs to, if it still works (unused, unexpired, and their
/// organization still signs in by email links); reads only, so a mail scanner opening the
/// link uses nothing up.
#[tracing::instrument(skip_all)]
pub async fn peek_sign_in_link(
    db: &DatabaseConnection,
    settings: &Settings,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<person::Model> {
    let (link, person) = sign_in_link::Entity::find()
        .find_also_related(person::Entity)
        .filter(sign_in_link::Column::TokenHash.eq(hash_token(token.trim())))
        .into_model::<sign_in_link::Model, Joined<person::Model>>()
        .one(db)
        .await?
        .ok_or_else(link_refused)?;
    if link.used_at.is_some()
        || link.expires_at <= now
        || super::entra::email_sign_in_off(db, settings)
            .await?
            .contains(&link.organization_id)
    {
        return Err(link_refused());
    }
    joined(person).ok_or_else(link_refused)
}

fn link_refused() -> AppError {
    AppError::Unauthenticated("the sign-in link is unknown, used or expired".into())
}

/// Uses a sign-in link up and opens a session; returns the session's secret (for the cookie)
/// and its viewer. Of two uses at the same moment, one wins. Refused (and not used up) when
/// the person's organization switched email links off.
#[tracing::instrument(skip_all)]
pub async fn sign_in_with_link(
    db: &DatabaseConnection,
    all_settings: &Settings,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<(String, Viewer)> {
    let settings = &all_settings.web;
    let off = super::entra::email_sign_in_off(db, all_settings).await?;
    let txn = db.begin().await?;
    let hash = hash_token(token.trim());
    let used = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now))
        .filter(sign_in_link::Column::TokenHash.eq(&hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(link_refused());
    }
    let (link, person) = sign_in_link::Entity::find()
        .find_also_related(person::Entity)
        .filter(sign_in_link::Column::TokenHash.eq(&hash))
        .into_model::<sign_in_link::Model, Joined<person::Model>>()
        .one(&txn)
        .await?
        .ok_or_else(link_refused)?;
    if off.contains(&link.organization_id) {
        return Err(link_refused());
    }
    let person = joined(person).ok_or_else(link_refused)?;
    let secret = open_session(&txn, settings, &person, METHOD_EMAIL_LINK, now).await?;
    txn.commit().await?;
    Ok((secret, Viewer::of(person)?))
}

/// Opens a session for a person; returns its secret.
#[tracing::instrument(skip_all, fields(person = %person.id))]
pub async fn open_session(
    db: &impl ConnectionTrait,
    settings: &WebSettings,
    person: &person::Model,
    method: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let (secret, token_hash) = new_token();
    web_session::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(person.organization_id),
        person_id: Set(person.id),
        token_hash: Set(token_hash),
        method: Set(method.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::hours(settings.session_max_hours.max(1))),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The viewer behind a session cookie, or `Unauthenticated` for an unknown, revoked, idle or
/// expired session. Use moves the idle limit on (written at most once a minute).
#[tracing::instrument(skip_all)]
pub async fn authenticate_session(
    db: &DatabaseConnection,
    settings: &WebSettings,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Viewer> {
    let refused = || AppError::Unauthenticated("the session has ended; sign in again".into());
    let (session, person) = web_session::Entity::find()
        .find_also_related(person::Entity)
        .filter(web_session::Column::TokenHash.eq(hash_token(secret.trim())))
        .into_model::<web_session::Model, Joined<person::Model>>()
        .one(db)
        .await?
        .ok_or_else(refused)?;
    let person = joined(person).ok_or_else(refused)?;
    let idle = Duration::minutes(settings.session_idle_minutes.max(1));
    if session.revoked_at.is_some() || session.expires_at <= now || session.last_seen_at + idle <= now {
        return Err(refused());
    }
    if now - session.last_seen_at >= Duration::minutes(1) {
        web_session::Entity::update_many()
            .col_expr(web_session::Column::LastSeenAt, Expr::value(now))
            .filter(web_session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    let mut viewer = Viewer::of(person)?;
    viewer.graphql_csrf = Some(graphql_csrf(secret));
    Ok(viewer)
}

/// The token a page sends as `X-CSRF-Token` when it calls GraphQL with the session cookie:
/// made from the session's secret, so it is the session's own, and another site, which
/// cannot read the page, cannot know it.
pub fn graphql_csrf(secret: &str) -> String {
    hash_token(&format!("graphql-csrf:{}", secret.trim()))
}

/// Ends the session behind this secret (signing out). Harmless for an unknown one.
#[tracing::instrument(skip_all)]
pub async fn sign_out(db: &DatabaseConnection, secret: &str, now: DateTime<Utc>) -> AppResult<()> {
    web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::TokenHash.eq(hash_token(secret.trim())))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of the person with this address in the viewer's organization; returns
/// how many.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn revoke_sessions(
    db: &DatabaseConnection,
    viewer: &Viewer,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    super::authorize(viewer, super::Permission::ManagePlans, super::Relation::None)?;
    let Some(person) = org::person_by_email(db, viewer.organization_id, email).await? else {
        return Ok(0);
    };
    let ended = web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::PersonId.eq(person.id))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}
