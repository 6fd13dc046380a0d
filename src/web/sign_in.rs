//! Signing in by a link sent by email, and signing out.

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::{
    CSRF_COOKIE, Frame, SESSION_COOKIE, SignedIn, csrf_ok, csrf_refused, csrf_token, error_page, message, page,
    page_with_status, secure,
};
use crate::{
    error::AppError,
    services::auth::{entra, sessions},
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct Next {
    neste: Option<String>,
}

/// Only a path on this site is followed after sign-in.
pub(super) fn local(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `GET /logg-inn`: the email field, and a button per organization that signs in with
/// Microsoft Entra ID.
pub async fn form(
    State(state): State<AppState>,
    jar: CookieJar,
    signed_in: Option<SignedIn>,
    Query(next): Query<Next>,
) -> Response {
    let next = local(next.neste.as_deref());
    if signed_in.is_some() {
        return Redirect::to(&next).into_response();
    }
    let email_form = match entra::email_sign_in_offered(&state.db, &state.settings).await {
        Ok(offered) => offered,
        Err(error) => return error_page(jar, error),
    };
    let (jar, csrf) = csrf_token(jar);
    page(
        jar,
        "sign_in.html",
        Frame {
            csrf: &csrf,
            person: None,
            graphql_csrf: None,
        },
        minijinja::context! { microsoft => microsoft(&state, &next), email_form, next },
    )
}

/// The "Logg inn med Microsoft" buttons: the organization is named when there are several.
fn microsoft(state: &AppState, next: &str) -> Vec<minijinja::Value> {
    let providers = entra::providers(&state.settings);
    let several = providers.len() > 1;
    providers
        .into_iter()
        .map(|p| {
            let label = if several {
                format!("Logg inn med Microsoft ({})", p.organization)
            } else {
                "Logg inn med Microsoft".to_owned()
            };
            let href = format!("/sso/start/{}?neste={}", p.key, urlencoding::encode(next));
            minijinja::context! { href, label }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct SignInRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /logg-inn`: sends the link, and says the same whether or not the address is known.
pub async fn request_link(State(state): State<AppState>, jar: CookieJar, Form(form): Form<SignInRequest>) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    let (jar, csrf) = csrf_token(jar);
    let frame = Frame {
        csrf: &csrf,
        person: None,
        graphql_csrf: None,
    };
    match sessions::request_sign_in_link(&state.db, &state.settings, &form.email, state.now()).await {
        Ok(sent) => {
            if sent > 0 {
                state.outbox_changed();
            }
            message(
                StatusCode::OK,
                jar,
                "Sjekk e-posten din",
                &format!(
                    "Hvis {} er registrert i tiltak, har vi sendt en lenke dit. Lenken virker én gang og i {} minutter.",
                    form.email.trim(),
                    state.settings.web.sign_in_link_minutes
                ),
                None,
            )
        }
        Err(AppError::Validation(_)) => page_with_status(
            StatusCode::BAD_REQUEST,
            jar,
            "sign_in.html",
            frame,
            minijinja::context! {
                email => form.email,
                error => "E-postadresse: skriv en hel e-postadresse, for eksempel kari.nordmann@kommune.no.",
                next => "/",
                microsoft => microsoft(&state, "/"),
                email_form => true,
            },
        ),
        Err(error) => error_page(jar, error),
    }
}

/// `GET /logg-inn/{token}`: a button that signs in. Opening the link (as mail scanners do)
/// uses nothing up; the button's POST does.
pub async fn confirm(State(state): State<AppState>, jar: CookieJar, Path(token): Path<String>) -> Response {
    match sessions::peek_sign_in_link(&state.db, &state.settings, &token, state.now()).await {
        Ok(person) => {
            let (jar, csrf) = csrf_token(jar);
            page(
                jar,
                "sign_in_confirm.html",
                Frame {
                    csrf: &csrf,
                    person: None,
                    graphql_csrf: None,
                },
                minijinja::context! { name => person.name, email => person.email, token },
            )
        }
        Err(AppError::Unauthenticated(_)) => expired(jar),
        Err(error) => error_page(jar, error),
    }
}

fn expired(jar: CookieJar) -> Response {
    message(
        StatusCode::UNAUTHORIZED,
        jar,
        "Lenken virker ikke lenger",
        "Innloggingslenken er brukt, utløpt eller ukjent. Be om en ny lenke.",
        Some(("/logg-inn", "Be om en ny lenke")),
    )
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl CsrfOnly {
    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /logg-inn/{token}`: uses the link up, sets the session cookie, and goes home.
pub async fn use_link(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    match sessions::sign_in_with_link(&state.db, &state.settings, &token, state.now()).await {
        Ok((secret, viewer)) => {
            tracing::info!(person = %viewer.person_id, org = %viewer.organization_id, "signed in by email link");
            let cookie = Cookie::build((SESSION_COOKIE, secret))
                .path("/")
                .http_only(true)
                .secure(secure(&state))
                .same_site(SameSite::Lax)
                .build();
            (jar.add(cookie), Redirect::to("/")).into_response()
        }
        Err(AppError::Unauthenticated(_)) => expired(jar),
        Err(error) => error_page(jar, error),
    }
}

/// `POST /logg-ut`: ends the session here and on the server.
pub async fn sign_out(State(state): State<AppState>, jar: CookieJar, Form(form): Form<CsrfOnly>) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    if let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
        && let Err(error) = sessions::sign_out(&state.db, &secret, state.now()).await
    {
        return error_page(jar, error);
    }
    let jar = jar
        .remove(Cookie::build(SESSION_COOKIE).path("/"))
        .remove(Cookie::build(CSRF_COOKIE).path("/"));
    message(
        StatusCode::OK,
        jar,
        "Du er logget ut",
        "Du er logget ut av tiltak.",
        Some(("/logg-inn", "Logg inn igjen")),
    )
}
