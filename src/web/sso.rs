//! "Logg inn med Microsoft": the way to the organization's Entra ID and back. The browser
//! keeps the flow's `state` in a cookie until it returns, so a callback another browser
//! started (login CSRF) is refused; the flow itself is stored by the service.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::{SESSION_COOKIE, error_page, message, secure, sign_in::local};
use crate::{
    error::AppError,
    services::auth::entra::{self, Refusal},
    state::AppState,
};

/// The cookie that holds the `state` of the sign-in under way.
const STATE_COOKIE: &str = "tiltak_sso_state";

#[derive(Deserialize, Default)]
pub struct Start {
    neste: Option<String>,
}

/// `GET /sso/start/{key}`: off to Microsoft.
pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(key): Path<String>,
    Query(start): Query<Start>,
) -> Response {
    let next = local(start.neste.as_deref());
    match entra::start(&state.db, &state.settings, &key, &next, state.now()).await {
        Ok((url, flow_state)) => {
            let cookie = Cookie::build((STATE_COOKIE, flow_state))
                .path("/sso")
                .http_only(true)
                .secure(secure(&state))
                // Lax: the way back from Microsoft is a top-level GET from another site.
                .same_site(SameSite::Lax)
                .build();
            (jar.add(cookie), Redirect::to(&url)).into_response()
        }
        Err(error @ AppError::NotFound { .. }) => error_page(jar, error),
        Err(error) => {
            tracing::error!(error = error.cause(), "could not start a sign-in with Entra ID");
            message(
                StatusCode::BAD_GATEWAY,
                jar,
                "Innloggingen virker ikke akkurat nå",
                "Vi får ikke kontakt med Microsoft-innloggingen. Prøv igjen om litt, eller be om en innloggingslenke på e-post.",
                Some(("/logg-inn", "Til innloggingen")),
            )
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /sso/callback`: back from Microsoft; signs in or says why not.
pub async fn callback(State(state): State<AppState>, jar: CookieJar, Query(back): Query<Callback>) -> Response {
    use subtle::ConstantTimeEq;
    let kept = jar.get(STATE_COOKIE).map(|c| c.value().to_owned());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/sso"));
    if let Some(error) = back.error {
        tracing::warn!(error, "Entra ID answered with an error");
        return message(
            StatusCode::UNAUTHORIZED,
            jar,
            "Innloggingen ble avbrutt",
            "Microsoft-innloggingen ble avbrutt eller avvist. Prøv igjen.",
            Some(("/logg-inn", "Til innloggingen")),
        );
    }
    let (Some(code), Some(flow_state)) = (back.code, back.state) else {
        return refused(jar, Refusal::Flow);
    };
    let same_browser = kept.is_some_and(|kept| bool::from(kept.as_bytes().ct_eq(flow_state.as_bytes())));
    if !same_browser {
        tracing::warn!("Entra ID sign-in refused: the state is not this browser's");
        return refused(jar, Refusal::Flow);
    }
    match entra::finish(&state.db, &state.settings, &flow_state, &code, state.now()).await {
        Ok(Ok(signed_in)) => {
            let cookie = Cookie::build((SESSION_COOKIE, signed_in.secret))
                .path("/")
                .http_only(true)
                .secure(secure(&state))
                .same_site(SameSite::Lax)
                .build();
            (jar.add(cookie), Redirect::to(&local(Some(&signed_in.next)))).into_response()
        }
        Ok(Err(refusal)) => refused(jar, refusal),
        Err(error) => error_page(jar, error),
    }
}

/// The page that says why a sign-in was refused, in words for the person.
fn refused(jar: CookieJar, refusal: Refusal) -> Response {
    let again = Some(("/logg-inn", "Til innloggingen"));
    match refusal {
        Refusal::Flow => message(
            StatusCode::UNAUTHORIZED,
            jar,
            "Innloggingen er utløpt",
            "Innloggingen er allerede brukt, utløpt eller startet i en annen nettleser. Start innloggingen på nytt.",
            again,
        ),
        Refusal::Token => message(
            StatusCode::UNAUTHORIZED,
            jar,
            "Innloggingen kunne ikke bekreftes",
            "Svaret fra Microsoft kunne ikke bekreftes, så du er ikke logget inn. Prøv igjen, og si fra til IT-avdelingen hvis det skjer igjen.",
            again,
        ),
        Refusal::Tenant => message(
            StatusCode::FORBIDDEN,
            jar,
            "Feil organisasjon",
            "Du logget inn med en Microsoft-konto fra en annen organisasjon enn kommunen. Logg inn med jobbkontoen din i kommunen.",
            again,
        ),
        Refusal::NoRole => message(
            StatusCode::FORBIDDEN,
            jar,
            "Du har ikke tilgang til tiltak",
            "Microsoft-kontoen din har ingen rolle i tiltak. Be IT-avdelingen om å gi deg en rolle for tiltak i Microsoft Entra ID, og logg inn igjen etterpå.",
            again,
        ),
        Refusal::Email => message(
            StatusCode::FORBIDDEN,
            jar,
            "E-postadressen kan ikke brukes",
            "E-postadressen på Microsoft-kontoen din hører til en annen person i tiltak, eller mangler. Be administratoren av tiltak om hjelp.",
            again,
        ),
    }
}
