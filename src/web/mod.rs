//! The web pages: rendered on the server in Norwegian (bokmål), plain forms and links that
//! work without JavaScript. Pages call the services with the signed-in person's viewer, as
//! GraphQL does; GraphQL stays for integrations.
//!
//! - `sign_in`: the sign-in link by email, sessions, sign-out.
//! - `actions`: "Mine tiltak", the action page and its forms, and the reminder email's links.
//! - `templates/`: minijinja templates; `assets/` and `../../assets/vendor` are served under
//!   `/assets`.
//!
//! Every form carries a CSRF token that must equal the `tiltak_csrf` cookie (double submit;
//! the cookie is SameSite=Strict and HttpOnly), so another site cannot post a form for a
//! signed-in person or sign someone in as somebody else.

mod actions;
mod arshjul;
mod assets;
mod chapters;
mod edit;
mod import;
mod overview;
mod public;
mod reports;
mod setup;
mod sign_in;
mod sso;

pub use assets::explorer;

use std::sync::LazyLock;

use axum::{
    Router,
    extract::{FromRequestParts, OriginalUri},
    http::{StatusCode, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::Environment;
use serde::Serialize;

use crate::{
    error::AppError,
    services::{Viewer, auth::sessions},
    state::AppState,
};

/// The session cookie: the session's secret.
const SESSION_COOKIE: &str = "tiltak_session";
/// The CSRF cookie: a random value every form repeats.
const CSRF_COOKIE: &str = "tiltak_csrf";

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/logg-inn", get(sign_in::form).post(sign_in::request_link))
        .route("/logg-inn/{token}", get(sign_in::confirm).post(sign_in::use_link))
        .route("/logg-ut", post(sign_in::sign_out))
        .route("/sso/start/{key}", get(sso::start))
        .route("/sso/callback", get(sso::callback))
        .route("/mine", get(actions::mine))
        .route("/tiltak/{id}", get(actions::page).post(actions::update))
        .route("/tiltak/{id}/evaluering/{evaluation}", post(actions::evaluate))
        .route("/tiltak/{id}/kommentar", post(actions::comment))
        .route("/tiltak/{id}/rediger", get(edit::page).post(edit::save))
        .route("/tiltak/{id}/arkiver", post(edit::archive))
        .route("/actions/{id}", get(actions::old_link))
        .route("/planer", get(overview::list))
        .route("/planer/{id}", get(overview::plan))
        .route("/planer/{id}/{file}", get(overview::export))
        .route("/planer/{id}/flere", post(overview::bulk))
        .route("/planer/{id}/bekreft-enheter", post(overview::confirm_units))
        .route("/planer/{id}/kapitler", get(chapters::page).post(chapters::add))
        .route("/planer/{id}/kapitler/{chapter}", post(chapters::update))
        .route("/plans/{id}", get(overview::old_link))
        .route("/lederteam", get(overview::team))
        .route("/rapport", get(reports::page))
        .route("/rapport/frys", post(reports::freeze))
        .route("/arshjul", get(arshjul::page))
        .route("/arshjul/send/{id}", post(arshjul::resend))
        .route("/import", get(import::page).post(import::upload))
        .route("/offentlig/{id}", get(public::plan))
        .route("/oppsett", get(setup::page))
        .route("/oppsett/enhet/{id}", post(setup::unit))
        .route("/oppsett/team/{id}", post(setup::team))
        .route("/oppsett/plan/{id}", post(setup::plan))
        .route("/oppsett/person", post(setup::person))
        .route("/oppsett/person/{id}", post(setup::change_person))
        .route("/oppsett/person/{id}/lenke", post(setup::sign_in_link))
        .route("/oppsett/person/{id}/nokkel", post(setup::token))
        .route("/oppsett/nokkel/{id}/trekk", post(setup::revoke_token))
        .route("/oppsett/plan/{id}/offentlig", post(setup::public))
        .route("/e/{token}", get(actions::email_page).post(actions::email_update))
        .route("/e/{token}/evaluering/{evaluation}", post(actions::email_evaluate))
        .route("/assets/{*path}", get(assets::serve))
        .with_state(state)
}

/// `/`: a signed-in person's own page; everyone else signs in first.
async fn home(viewer: Option<SignedIn>) -> Response {
    match viewer {
        Some(_) => Redirect::to("/mine").into_response(),
        None => Redirect::to("/logg-inn").into_response(),
    }
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("message.html", include_str!("templates/message.html")),
        ("sign_in.html", include_str!("templates/sign_in.html")),
        ("sign_in_confirm.html", include_str!("templates/sign_in_confirm.html")),
        ("mine.html", include_str!("templates/mine.html")),
        ("action.html", include_str!("templates/action.html")),
        ("status.html", include_str!("templates/status.html")),
        ("counts.html", include_str!("templates/counts.html")),
        ("filters.html", include_str!("templates/filters.html")),
        ("rows.html", include_str!("templates/rows.html")),
        ("plans.html", include_str!("templates/plans.html")),
        ("plan.html", include_str!("templates/plan.html")),
        ("team.html", include_str!("templates/team.html")),
        ("report.html", include_str!("templates/report.html")),
        ("setup.html", include_str!("templates/setup.html")),
        ("arshjul.html", include_str!("templates/arshjul.html")),
        ("import.html", include_str!("templates/import.html")),
        ("edit.html", include_str!("templates/edit.html")),
        ("chapters.html", include_str!("templates/chapters.html")),
        ("public.html", include_str!("templates/public.html")),
    ] {
        env.add_template(name, source).expect("the built-in templates parse");
    }
    env
});

/// What every page's frame needs besides its own content.
#[derive(Serialize)]
struct Frame<'a> {
    csrf: &'a str,
    /// The signed-in person, for the header and its sign-out button.
    person: Option<&'a str>,
    /// The session's token for GraphQL's `X-CSRF-Token` (a `<meta>` for the page's scripts).
    graphql_csrf: Option<&'a str>,
}

impl<'a> Frame<'a> {
    fn signed_in(csrf: &'a str, viewer: &'a Viewer) -> Self {
        Frame {
            csrf,
            person: Some(&viewer.name),
            graphql_csrf: viewer.graphql_csrf.as_deref(),
        }
    }
}

/// A rendered page, with the CSRF cookie set when the browser has none yet.
fn page(jar: CookieJar, template: &str, frame: Frame, context: minijinja::Value) -> Response {
    page_with_status(StatusCode::OK, jar, template, frame, context)
}

fn page_with_status(
    status: StatusCode,
    jar: CookieJar,
    template: &str,
    frame: Frame,
    context: minijinja::Value,
) -> Response {
    let context = minijinja::context! { frame => value(&frame), ..context };
    match TEMPLATES.get_template(template).and_then(|t| t.render(context)) {
        Ok(html) => (status, jar, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            AppError::Internal(anyhow::Error::new(error).context(format!("rendering {template}"))).into_response()
        }
    }
}

/// A form page: 422 when its context holds an `error` to show, the error page when it could
/// not be built.
fn form_page(jar: CookieJar, template: &str, viewer: &Viewer, context: Result<minijinja::Value, AppError>) -> Response {
    match context {
        Ok(context) => {
            let status = if context.get_attr("error").is_ok_and(|e| !e.is_none()) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let (jar, csrf) = csrf_token(jar);
            page_with_status(status, jar, template, Frame::signed_in(&csrf, viewer), context)
        }
        Err(error) => error_page(jar, error),
    }
}

/// An error shown at the top of a page and next to the form it came from.
struct FormError {
    form: String,
    text: String,
}

/// A short page with a heading and a sentence (and a link on).
fn message(status: StatusCode, jar: CookieJar, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let (jar, csrf) = csrf_token(jar);
    page_with_status(
        status,
        jar,
        "message.html",
        Frame {
            csrf: &csrf,
            person: None,
            graphql_csrf: None,
        },
        minijinja::context! { title, text, link => link.map(|(href, label)| minijinja::context! { href, label }) },
    )
}

/// The browser's CSRF value, making one (and the cookie) when it has none.
fn csrf_token(jar: CookieJar) -> (CookieJar, String) {
    if let Some(value) = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned())
        && value.len() == 64
        && value.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (jar, value);
    }
    let (token, _) = crate::services::auth::new_token();
    let value = token.trim_start_matches("tiltak_").to_owned();
    let cookie = Cookie::build((CSRF_COOKIE, value.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    (jar.add(cookie), value)
}

/// Whether a posted form's token matches the browser's cookie.
fn csrf_ok(jar: &CookieJar, posted: &str) -> bool {
    use subtle::ConstantTimeEq;
    match jar.get(CSRF_COOKIE) {
        Some(cookie) => !posted.is_empty() && bool::from(cookie.value().as_bytes().ct_eq(posted.as_bytes())),
        None => false,
    }
}

/// The answer to a form whose CSRF token does not match.
fn csrf_refused(jar: CookieJar) -> Response {
    message(
        StatusCode::FORBIDDEN,
        jar,
        "Skjemaet er utløpt",
        "Skjemaet kunne ikke kontrolleres (informasjonskapselen mangler eller er byttet ut). Gå tilbake, last siden på nytt og send skjemaet igjen. Informasjonskapsler må være slått på.",
        None,
    )
}

/// The session cookie's secret in a request, for routes outside the pages (report downloads).
pub fn session_secret(headers: &axum::http::HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// Cookies are marked Secure when the service is reached over https.
fn secure(state: &AppState) -> bool {
    state.settings.public_url().starts_with("https://")
}

/// A signed-in person: the extractor every signed-in page takes. Without a working session
/// the person is sent to the sign-in page and back here afterwards.
pub struct SignedIn {
    pub viewer: Viewer,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let back = || {
            let uri = parts
                .extensions
                .get::<OriginalUri>()
                .map_or_else(|| parts.uri.clone(), |u| u.0.clone());
            let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
            Redirect::to(&format!("/logg-inn?neste={}", urlencoding::encode(&target))).into_response()
        };
        let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(back());
        };
        match sessions::authenticate_session(&state.db, &state.settings.web, &secret, state.now()).await {
            Ok(viewer) => Ok(SignedIn { viewer }),
            Err(AppError::Unauthenticated(_)) => Err(back()),
            Err(error) => Err(error.into_response()),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Ok(None);
        };
        match sessions::authenticate_session(&state.db, &state.settings.web, &secret, state.now()).await {
            Ok(viewer) => Ok(Some(SignedIn { viewer })),
            Err(AppError::Unauthenticated(_)) => Ok(None),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// What a person sees for a service error outside a form: a Norwegian page.
fn error_page(jar: CookieJar, error: AppError) -> Response {
    match error {
        AppError::NotFound { .. } => message(
            StatusCode::NOT_FOUND,
            jar,
            "Finnes ikke",
            "Siden finnes ikke, eller den hører til en annen kommune.",
            Some(("/", "Til forsiden")),
        ),
        AppError::Forbidden(_) => message(
            StatusCode::FORBIDDEN,
            jar,
            "Ikke tillatt",
            "Du har ikke tilgang til å gjøre dette.",
            Some(("/", "Til forsiden")),
        ),
        AppError::Unauthenticated(_) => message(
            StatusCode::UNAUTHORIZED,
            jar,
            "Lenken virker ikke",
            "Lenken er ukjent, utløpt eller trukket tilbake, eller du leder ikke lenger enheten. Logg inn for å se tiltakene dine.",
            Some(("/logg-inn", "Logg inn")),
        ),
        AppError::Unavailable(_) => message(
            StatusCode::SERVICE_UNAVAILABLE,
            jar,
            "Prøv igjen om litt",
            "Tjenesten får ikke kontakt med databasen akkurat nå. Prøv igjen om litt.",
            None,
        ),
        other => {
            let response = other.into_response();
            if response.status().is_server_error() {
                return message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    jar,
                    "Noe gikk galt",
                    "Noe gikk galt hos oss. Feilen er logget. Prøv igjen, og si fra til administratoren hvis det skjer igjen.",
                    None,
                );
            }
            response
        }
    }
}

/// Anything serializable as a template value.
fn value<T: Serialize>(data: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(data))
}
