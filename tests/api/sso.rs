//! Sign-in with Microsoft Entra ID, as a browser goes through it, against a real OpenID
//! provider on this machine (oauth2-mock-server, tests/oidc/provider.mjs): the authorization
//! code flow with PKCE, state and nonce, and every way it must be refused, each creating
//! nothing. Without Node or `npm ci --prefix tests/oidc` the tests say SKIPPED and pass,
//! except under CI=true, where they fail.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tiltak::{
    config::{EntraSettings, Secret},
    domain::Role,
    entities::{notification, person, web_session},
};

use crate::{
    helpers::{Db, TestApp},
    web::{Browser, Page},
};

/// The organization's tenant in these tests.
const TENANT: &str = "6f1c2a9e-5b7d-4c3e-9a8f-0d1e2f3a4b5c";
const CLIENT_ID: &str = "tiltak-test-client";

/// The local OpenID provider, stopped when dropped.
struct Provider {
    issuer: String,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider, or `None` (the test is skipped) when Node or the npm packages are
    /// missing outside CI.
    fn start() -> Option<Provider> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        let installed = std::path::Path::new(dir)
            .join("node_modules/oauth2-mock-server/package.json")
            .is_file();
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !node || !installed {
            let why = if node {
                "tests/oidc/node_modules is missing (run `npm ci --prefix tests/oidc`)"
            } else {
                "Node.js is not installed"
            };
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the Entra ID sign-in tests need the local OpenID provider under CI: {why}"
            );
            eprintln!("SKIPPED: the Entra ID sign-in test did not run: {why}");
            return None;
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the provider says where it listens");
        let started: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("provider said {line:?}"));
        Some(Provider {
            issuer: started["issuer"].as_str().unwrap().to_owned(),
            child,
        })
    }

    /// What the next ID tokens hold (claims merged in, null removes one) and whether the
    /// token endpoint breaks their signature.
    async fn set(&self, claims: Value, tamper: Option<&str>) {
        let response = reqwest::Client::new()
            .post(format!("{}/_control", self.issuer))
            .json(&json!({ "claims": claims, "tamper": tamper }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

/// Kari as Entra ID describes her, with an app role that makes her a coordinator.
fn kari() -> Value {
    json!({
        "tid": TENANT,
        "oid": "0b8e7c1a-0000-4000-8000-00000000ka01",
        "roles": ["Tiltak.Coordinator"],
        "email": "kari.nordmann@kommune.no",
        "email_verified": true,
        "name": "Kari Nordmann",
    })
}

/// `kari()` with some claims changed.
fn kari_with(changes: Value) -> Value {
    let mut claims = kari();
    for (name, value) in changes.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

/// An app whose organization signs in with the local provider, and the provider.
async fn app(db: Db) -> Option<(TestApp, Provider)> {
    app_with(db, true).await
}

/// As [`app`], with the sign-in link by email on or off for the organization.
async fn app_with(db: Db, email_sign_in: bool) -> Option<(TestApp, Provider)> {
    let provider = Provider::start()?;
    let issuer = provider.issuer.clone();
    let app = TestApp::spawn_with(db, move |settings| {
        settings.sso.organizations.insert(
            "kommune".into(),
            EntraSettings {
                organization: settings.organization.name.clone(),
                tenant_id: TENANT.into(),
                client_id: CLIENT_ID.into(),
                client_secret: Secret::new("test-secret"),
                issuer,
                email_sign_in,
            },
        );
    })
    .await?;
    Some((app, provider))
}

/// Where one step of the flow sends the browser.
fn location(page: &Page) -> String {
    assert!(page.status.is_redirection(), "{}: {}", page.status, page.body);
    page.location.clone().expect("a redirect has a Location")
}

/// From the sign-in page to Microsoft: returns the provider's authorization URL.
async fn to_provider(browser: &mut Browser, next: &str) -> String {
    let next = urlencoding::encode(next);
    let page = browser.get(&format!("/logg-inn?neste={next}")).await;
    assert!(page.body.contains("Logg inn med Microsoft"), "{}", page.body);
    let start = format!("/sso/start/kommune?neste={next}");
    // (minijinja writes / in attributes as &#x2f;)
    assert!(page.body.contains(&start.replace('/', "&#x2f;")), "{}", page.body);
    let authorize = location(&browser.get(&start).await);
    assert!(authorize.starts_with("http://127.0.0.1:"), "{authorize}");
    for parameter in [
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "scope=openid",
    ] {
        assert!(authorize.contains(parameter), "{parameter} in {authorize}");
    }
    authorize
}

/// The provider signs the person in and sends the browser back: returns the callback URL.
async fn from_provider(browser: &mut Browser, authorize: &str) -> String {
    let callback = location(&browser.get(authorize).await);
    assert!(callback.contains("/sso/callback?"), "{callback}");
    callback
}

/// The whole way: returns tiltak's answer at the callback.
async fn sign_in(browser: &mut Browser, next: &str) -> Page {
    let authorize = to_provider(browser, next).await;
    let callback = from_provider(browser, &authorize).await;
    browser.get(&callback).await
}

async fn people(app: &TestApp) -> u64 {
    person::Entity::find().count(&app.state.db).await.unwrap()
}

async fn sessions(app: &TestApp) -> u64 {
    web_session::Entity::find().count(&app.state.db).await.unwrap()
}

async fn person(app: &TestApp, email: &str) -> Option<person::Model> {
    person::Entity::find()
        .filter(person::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
}

/// The people and sessions there are.
async fn rows(app: &TestApp) -> (u64, u64) {
    (people(app).await, sessions(app).await)
}

/// A refused sign-in: the page says why, no session cookie was set, and nothing was stored:
/// no person, no session.
async fn assert_refused(
    app: &TestApp,
    browser: &Browser,
    page: &Page,
    status: StatusCode,
    says: &str,
    before: (u64, u64),
) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.body.contains(says), "{says:?} in {}", page.body);
    assert!(page.location.is_none());
    assert!(!browser.cookies.contains_key("tiltak_session"));
    assert_eq!(rows(app).await, before, "nothing is created");
}

/// A query parameter of a URL.
fn parameter(url: &str, name: &str) -> String {
    let query = url.split_once('?').expect("a query").1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

/// The same URL with one query parameter's value replaced.
fn with_parameter(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("a query");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let v = if k == name { value.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{query}")
}

const TOKEN_REFUSED: &str = "Svaret fra Microsoft kunne ikke bekreftes";
const FLOW_REFUSED: &str = "Innloggingen er allerede brukt, utløpt eller startet i en annen nettleser";

/// Runs a test once on SQLite and once on PostgreSQL (ignored without a server).
macro_rules! on_both {
    ($(async fn $name:ident($db:ident: Db) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: Db) $body

            #[tokio::test]
            async fn sqlite() {
                run(Db::Sqlite).await
            }

            #[tokio::test]
            #[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
            async fn postgres() {
                run(Db::Postgres).await
            }
        }
    )*};
}

on_both! {
    async fn signing_in_with_microsoft_lands_where_asked_with_the_mapped_role(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        // Kari is in tiltak already (by email), as a reader.
        app.ok(
            "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id } }",
            json!({ "input": { "name": "Kari N.", "email": "kari.nordmann@kommune.no", "role": "VIEWER" } }),
        )
        .await;
        let existing = person(&app, "kari.nordmann@kommune.no").await.unwrap();
        provider.set(kari(), None).await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/planer").await;
        assert_eq!(location(&page), "/planer");
        assert!(browser.cookies.contains_key("tiltak_session"));
        assert!(!browser.cookies.contains_key("tiltak_sso_state"), "the state cookie is cleared");
        let plans = browser.get("/planer").await;
        assert_eq!(plans.status, StatusCode::OK, "{}", plans.body);
        assert!(plans.body.contains("Kari N."), "signed in as Kari: {}", plans.body);
        // The same person, found by her verified email: now known by her object id, with the
        // role her app role gives.
        let kari = person(&app, "kari.nordmann@kommune.no").await.unwrap();
        assert_eq!(kari.id, existing.id);
        assert_eq!(kari.role, Role::Coordinator);
        assert_eq!(kari.entra_oid.as_deref(), Some("0b8e7c1a-0000-4000-8000-00000000ka01"));
        let session = web_session::Entity::find().one(&app.state.db).await.unwrap().unwrap();
        assert_eq!((session.person_id, session.method.as_str()), (kari.id, "entra-id"));

        // Signing out ends the session.
        let csrf = browser.csrf();
        let out = browser.post("/logg-ut", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.body);
        let session = web_session::Entity::find().one(&app.state.db).await.unwrap().unwrap();
        assert!(session.revoked_at.is_some());
        assert!(browser.get("/planer").await.status.is_redirection());

        // A role changed in Entra ID applies at the next sign-in; her object id finds her even
        // with another address.
        provider
            .set(kari_with(json!({ "roles": ["Tiltak.Viewer", "Something.Else"], "email": "kari@kommune.no" })), None)
            .await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/").await;
        assert_eq!(location(&page), "/");
        let kari = person(&app, "kari.nordmann@kommune.no").await.unwrap();
        assert_eq!((kari.id, kari.role), (existing.id, Role::Viewer));
        assert_eq!(sessions(&app).await, 2);
        assert!(person(&app, "kari@kommune.no").await.is_none());
    }

    async fn a_newcomer_is_created_with_the_role_entra_gives(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        provider
            .set(
                json!({
                    "tid": TENANT, "oid": "oid-ola", "roles": ["tiltak.admin"],
                    "email": "Ola.Hansen@kommune.no", "name": "Ola Hansen",
                }),
                None,
            )
            .await;
        let before = people(&app).await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/mine").await;
        assert_eq!(location(&page), "/mine");
        assert_eq!(people(&app).await, before + 1);
        let ola = person(&app, "ola.hansen@kommune.no").await.unwrap();
        assert_eq!((ola.name.as_str(), ola.role), ("Ola Hansen", Role::Admin));
        assert_eq!(ola.entra_oid.as_deref(), Some("oid-ola"));
        let mine = browser.get("/mine").await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert!(mine.body.contains("Ola Hansen"), "{}", mine.body);
    }

    async fn no_app_role_is_refused_and_creates_nothing(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        let before = (people(&app).await, sessions(&app).await);
        for roles in [json!([]), json!(null), json!(["Some.Other.App.Role"])] {
            provider.set(kari_with(json!({ "roles": roles })), None).await;
            let mut browser = Browser::new(&app);
            let page = sign_in(&mut browser, "/").await;
            assert_refused(&app, &browser, &page, StatusCode::FORBIDDEN, "Du har ikke tilgang til tiltak", before).await;
            assert!(page.body.contains("Be IT-avdelingen"), "{}", page.body);
            assert!(person(&app, "kari.nordmann@kommune.no").await.is_none());
        }
    }

    async fn a_token_from_another_tenant_is_refused(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        let before = rows(&app).await;
        for tid in [json!("9a0b1c2d-0000-4000-8000-000000000bad"), json!(null)] {
            provider.set(kari_with(json!({ "tid": tid })), None).await;
            let mut browser = Browser::new(&app);
            let page = sign_in(&mut browser, "/").await;
            assert_refused(&app, &browser, &page, StatusCode::FORBIDDEN, "en annen organisasjon enn kommunen", before).await;
        }
        assert!(person(&app, "kari.nordmann@kommune.no").await.is_none());
    }

    async fn a_token_with_a_broken_signature_is_refused(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        let before = rows(&app).await;
        provider.set(kari(), Some("signature")).await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/").await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, before).await;
        assert!(person(&app, "kari.nordmann@kommune.no").await.is_none());
        // The same provider with the signature intact lets her in: it was the signature.
        provider.set(kari(), None).await;
        let mut browser = Browser::new(&app);
        assert_eq!(location(&sign_in(&mut browser, "/").await), "/");
    }

    async fn an_expired_token_is_refused(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        let before = rows(&app).await;
        let now = app.clock.now().timestamp();
        provider
            .set(kari_with(json!({ "iat": now - 4200, "nbf": now - 4200, "exp": now - 600 })), None)
            .await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/").await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, before).await;
        assert!(person(&app, "kari.nordmann@kommune.no").await.is_none());
    }

    async fn a_state_works_once_in_the_browser_that_started_it_and_not_after_it_expired(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        provider.set(kari(), None).await;
        // Another browser's callback (login CSRF): refused, and it does not use the flow up.
        let mut browser = Browser::new(&app);
        let authorize = to_provider(&mut browser, "/").await;
        let callback = from_provider(&mut browser, &authorize).await;
        let before = rows(&app).await;
        let mut other = Browser::new(&app);
        let page = other.get(&callback).await;
        assert_refused(&app, &other, &page, StatusCode::UNAUTHORIZED, FLOW_REFUSED, before).await;
        // The browser that started it signs in.
        let state_cookie = browser.cookies.get("tiltak_sso_state").cloned().unwrap();
        assert_eq!(location(&browser.get(&callback).await), "/");
        let after = rows(&app).await;
        assert_eq!(after, (before.0 + 1, 1));
        // Replayed, even with the state cookie back in place: refused, nothing more is made.
        let mut replay = Browser::new(&app);
        replay.cookies.insert("tiltak_sso_state".into(), state_cookie);
        let page = replay.get(&callback).await;
        assert_refused(&app, &replay, &page, StatusCode::UNAUTHORIZED, FLOW_REFUSED, after).await;
        // A flow that comes back after sso.flow_minutes is refused too.
        let mut late = Browser::new(&app);
        let authorize = to_provider(&mut late, "/").await;
        let callback = from_provider(&mut late, &authorize).await;
        app.clock.advance(chrono::Duration::minutes(app.settings.sso.flow_minutes + 1));
        let page = late.get(&callback).await;
        assert_refused(&app, &late, &page, StatusCode::UNAUTHORIZED, FLOW_REFUSED, after).await;
    }

    async fn a_replayed_nonce_is_refused(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        provider.set(kari(), None).await;
        let mut first = Browser::new(&app);
        let authorize = to_provider(&mut first, "/").await;
        let old_nonce = parameter(&authorize, "nonce");
        let callback = from_provider(&mut first, &authorize).await;
        assert_eq!(location(&first.get(&callback).await), "/");
        let before = rows(&app).await;
        // A new sign-in whose ID token carries the first one's nonce (an old token replayed).
        provider.set(kari_with(json!({ "nonce": old_nonce })), None).await;
        let mut browser = Browser::new(&app);
        let authorize = to_provider(&mut browser, "/").await;
        assert_ne!(parameter(&authorize, "nonce"), old_nonce, "every flow has its own nonce");
        let callback = from_provider(&mut browser, &authorize).await;
        let page = browser.get(&callback).await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, before).await;
        // A token without any nonce is refused as well.
        provider.set(kari_with(json!({ "nonce": null })), None).await;
        let mut browser = Browser::new(&app);
        let page = sign_in(&mut browser, "/").await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, before).await;
    }

    async fn a_wrong_pkce_verifier_is_refused(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        provider.set(kari(), None).await;
        let before = rows(&app).await;
        let mut browser = Browser::new(&app);
        let authorize = to_provider(&mut browser, "/").await;
        // Someone swapped the challenge on the way to the provider (the S256 challenge of
        // another verifier, RFC 7636 appendix B): tiltak's verifier no longer matches it.
        let swapped = with_parameter(&authorize, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_ne!(swapped, authorize);
        let callback = from_provider(&mut browser, &swapped).await;
        let page = browser.get(&callback).await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, before).await;
        assert!(person(&app, "kari.nordmann@kommune.no").await.is_none());
    }

    async fn the_email_link_can_be_switched_off_for_an_organization_that_signs_in_with_microsoft(db: Db) {
        let Some((app, provider)) = app_with(db, false).await else { return };
        app.ok(
            "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id } }",
            json!({ "input": { "name": "Kari N.", "email": "kari.nordmann@kommune.no", "role": "VIEWER" } }),
        )
        .await;
        let existing = person(&app, "kari.nordmann@kommune.no").await.unwrap();
        let mut browser = Browser::new(&app);
        let page = browser.get("/logg-inn").await;
        assert!(page.body.contains("Logg inn med Microsoft"), "{}", page.body);
        assert!(!page.body.contains("action=\"/logg-inn\""), "no email form: {}", page.body);
        // Asking for a link anyway sends none.
        let csrf = browser.csrf();
        let asked = browser
            .post("/logg-inn", &[("email", "kari.nordmann@kommune.no"), ("csrf", &csrf)])
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        let links = notification::Entity::find()
            .filter(notification::Column::Reason.eq("SIGN_IN"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(links, 0, "no sign-in email");
        // A link made before (or by an admin) does not sign in either, and stays unused.
        let token = tiltak::services::auth::sessions::issue_sign_in_link(
            &app.state.db,
            &existing,
            app.clock.now(),
            chrono::Duration::minutes(20),
        )
        .await
        .unwrap();
        let before = rows(&app).await;
        let page = browser.get(&format!("/logg-inn/{token}")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
        let csrf = browser.csrf();
        let page = browser.post(&format!("/logg-inn/{token}"), &[("csrf", &csrf)]).await;
        assert_refused(&app, &browser, &page, StatusCode::UNAUTHORIZED, "Lenken virker ikke lenger", before).await;
        // Microsoft still signs her in.
        provider.set(kari(), None).await;
        let mut browser = Browser::new(&app);
        assert_eq!(location(&sign_in(&mut browser, "/mine").await), "/mine");
        assert_eq!(rows(&app).await, (before.0, 1));
    }

    async fn graphql_takes_the_session_cookie_only_with_its_csrf_token(db: Db) {
        let Some((app, provider)) = app(db).await else { return };
        provider.set(kari(), None).await;
        let mut browser = Browser::new(&app);
        assert_eq!(location(&sign_in(&mut browser, "/mine").await), "/mine");
        let page = browser.get("/mine").await;
        let start = page.body.find("<meta name=\"tiltak-graphql-csrf\" content=\"").expect("the page has the token")
            + "<meta name=\"tiltak-graphql-csrf\" content=\"".len();
        let csrf: String = page.body[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        assert_eq!(csrf.len(), 64);
        let session = browser.cookies["tiltak_session"].clone();
        let graphql = |query: &'static str, header: Option<String>| {
            let mut request = reqwest::Client::new()
                .post(format!("{}/graphql", app.address))
                .header(reqwest::header::COOKIE, format!("tiltak_session={session}"))
                .json(&json!({ "query": query }));
            if let Some(header) = header {
                request = request.header("X-CSRF-Token", header);
            }
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            }
        };
        let me = "{ me { email role } }";
        // Without the header, or with another one, the cookie does not count.
        for header in [None, Some(String::new()), Some("0".repeat(64))] {
            let (status, body) = graphql(me, header).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(crate::helpers::error_code(&body), Some("FORBIDDEN"), "{body}");
            assert!(body["data"].is_null(), "{body}");
        }
        let create_unit = "mutation { createUnit(input: { name: \"Kultur\", leaderName: \"L\", leaderEmail: \"l@kommune.no\" }) { id } }";
        let (status, body) = graphql(create_unit, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // With it, as Kari, for queries and changes alike.
        let (status, body) = graphql(me, Some(csrf.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["me"], json!({ "email": "kari.nordmann@kommune.no", "role": "COORDINATOR" }));
        let (status, body) = graphql(create_unit, Some(csrf.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["data"]["createUnit"]["id"].is_string(), "{body}");
        let units = app.ok("{ units { name } }", json!({})).await;
        assert_eq!(units["units"], json!([{ "name": "Kultur" }]), "exactly one unit, made with the token");
        // A bearer token still works as before, and wins over a cookie.
        let response = reqwest::Client::new()
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&app.admin_token)
            .header(reqwest::header::COOKIE, format!("tiltak_session={session}"))
            .json(&json!({ "query": me }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_ne!(body["data"]["me"]["email"], json!("kari.nordmann@kommune.no"), "{body}");
        // Signed out, the session and its token are of no use.
        let out_csrf = browser.csrf();
        browser.post("/logg-ut", &[("csrf", &out_csrf)]).await;
        let (status, body) = graphql(me, Some(csrf)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(crate::helpers::error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
}
