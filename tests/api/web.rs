//! The web pages over HTTP, on both databases: sign-in links that work once, sessions that end,
//! forms that need their CSRF token, and the reminder email's links. (The pages in a real
//! browser, with axe-core, are in tests/browser.)

use std::collections::HashMap;

use reqwest::{StatusCode, header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tiltak::{
    entities::{action_event, notification},
    jobs::{self, Job, Trigger},
};

use crate::{
    helpers::{Db, TestApp},
    on_both_databases,
};

/// A client that keeps cookies and does not follow redirects, so each step can be checked.
pub(crate) struct Browser {
    base: String,
    client: reqwest::Client,
    pub(crate) cookies: HashMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            base: app.address.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for cookie in response.headers().get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(header::LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .header(header::COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub(crate) fn csrf(&self) -> String {
        self.cookies.get("tiltak_csrf").cloned().unwrap_or_default()
    }
}

async fn example(db: Db) -> TestApp {
    TestApp::spawn_with(db, |s| s.organization.example_plan = true)
        .await
        .unwrap()
}

/// The link of the newest sign-in email to this address.
async fn sign_in_link(app: &TestApp, email: &str) -> Option<String> {
    let rows = notification::Entity::find()
        .filter(notification::Column::Reason.eq("SIGN_IN"))
        .order_by_desc(notification::Column::CreatedAt)
        .all(&app.state.db)
        .await
        .unwrap();
    let row = rows.into_iter().find(|n| n.recipient.contains(email))?;
    let start = row.body_text.find("/logg-inn/")?;
    let token: String = row.body_text[start + "/logg-inn/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some(format!("/logg-inn/{token}"))
}

async fn events(app: &TestApp) -> Vec<action_event::Model> {
    action_event::Entity::find().all(&app.state.db).await.unwrap()
}

/// Asks for a link on the page and uses it; the browser then holds a session.
async fn sign_in(app: &TestApp, browser: &mut Browser, email: &str) {
    // Each request's email is then the newest (the test clock stands still otherwise).
    app.clock.advance(chrono::Duration::seconds(1));
    browser.get("/logg-inn").await;
    let csrf = browser.csrf();
    let sent = browser.post("/logg-inn", &[("email", email), ("csrf", &csrf)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let link = sign_in_link(app, email).await.expect("a sign-in email");
    browser.get(&link).await;
    let csrf = browser.csrf();
    let signed_in = browser.post(&link, &[("csrf", &csrf)]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
}

on_both_databases! {
    async fn a_sign_in_link_works_once_and_the_session_ends(app: TestApp) {
        app.with_example_plan().await;
        let admin = "admin@eksempel.kommune.no";
        let mut browser = Browser::new(&app);
        // Not signed in: pages send you to the sign-in page and back afterwards.
        let mine = browser.get("/mine").await;
        assert_eq!(mine.location.as_deref(), Some("/logg-inn?neste=%2Fmine"));
        let form = browser.get("/logg-inn").await;
        assert!(form.body.contains(r#"lang="nb""#) && form.body.contains("E-postadresse"));
        let csrf = browser.csrf();
        assert_eq!(csrf.len(), 64);

        // Known and unknown addresses get the same answer; only the known one an email.
        let unknown = browser.post("/logg-inn", &[("email", "ukjent@kommune.no"), ("csrf", &csrf)]).await;
        assert!(unknown.body.contains("Sjekk e-posten din"), "{}", unknown.body);
        assert!(sign_in_link(&app, "ukjent@kommune.no").await.is_none());
        let bad = browser.post("/logg-inn", &[("email", "ikke en adresse"), ("csrf", &csrf)]).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("E-postadresse: skriv en hel e-postadresse"), "{}", bad.body);
        let forged = browser.post("/logg-inn", &[("email", admin), ("csrf", "feil")]).await;
        assert_eq!(forged.status, 403, "a form without the cookie's token is refused");
        assert!(sign_in_link(&app, admin).await.is_none());
        let sent = browser.post("/logg-inn", &[("email", admin), ("csrf", &csrf)]).await;
        assert!(sent.body.contains("Sjekk e-posten din"));
        let link = sign_in_link(&app, admin).await.expect("a sign-in email to the admin");

        // Opening the link (twice, as a mail scanner might) uses nothing up; the button does.
        for _ in 0..2 {
            let page = browser.get(&link).await;
            assert!(page.body.contains("Logg inn som Administrator"), "{}", page.body);
        }
        let csrf = browser.csrf();
        let used = browser.post(&link, &[("csrf", &csrf)]).await;
        assert_eq!(used.status, StatusCode::SEE_OTHER);
        let session = browser.cookies.get("tiltak_session").cloned().expect("a session cookie");
        assert!(session.starts_with("tiltak_"));
        let mine = browser.get("/mine").await;
        assert_eq!(mine.status, 200);
        assert!(mine.body.contains("Mine tiltak") && mine.body.contains("Administrator"));
        // Once only.
        let mut other = Browser::new(&app);
        other.get(&link).await;
        let csrf = other.csrf();
        let again = other.post(&link, &[("csrf", &csrf)]).await;
        assert_eq!(again.status, 401, "{}", again.body);
        assert!(again.body.contains("brukt, utløpt eller ukjent"));

        // Idle too long: the session has ended.
        app.clock.advance(chrono::Duration::minutes(479));
        assert_eq!(browser.get("/mine").await.status, 200, "use moves the idle limit on");
        app.clock.advance(chrono::Duration::minutes(479));
        assert_eq!(browser.get("/mine").await.status, 200);
        app.clock.advance(chrono::Duration::minutes(481));
        assert_eq!(browser.get("/mine").await.status, StatusCode::SEE_OTHER);

        // A link older than its 20 minutes does not work.
        let mut late = Browser::new(&app);
        late.get("/logg-inn").await;
        let csrf = late.csrf();
        late.post("/logg-inn", &[("email", admin), ("csrf", &csrf)]).await;
        let link = sign_in_link(&app, admin).await.unwrap();
        app.clock.advance(chrono::Duration::minutes(21));
        late.get("/logg-inn").await;
        let csrf = late.csrf();
        assert_eq!(late.post(&link, &[("csrf", &csrf)]).await.status, 401);

        // Signing out ends the session on the server: the old cookie no longer works.
        let mut out = Browser::new(&app);
        sign_in(&app, &mut out, admin).await;
        let cookie = out.cookies.get("tiltak_session").cloned().unwrap();
        let csrf = out.csrf();
        let bye = out.post("/logg-ut", &[("csrf", &csrf)]).await;
        assert!(bye.body.contains("Du er logget ut"));
        let mut replay = Browser::new(&app);
        replay.cookies.insert("tiltak_session".into(), cookie);
        assert_eq!(replay.get("/mine").await.status, StatusCode::SEE_OTHER);

        // An admin can end someone's sessions everywhere.
        let mut kept = Browser::new(&app);
        sign_in(&app, &mut kept, admin).await;
        assert_eq!(kept.get("/mine").await.status, 200);
        let ended = app.ok(&format!("mutation {{ revokeSessions(email: \"{admin}\") }}"), serde_json::json!({})).await;
        // This one, and the first one that ended by idling (still unrevoked in the table).
        assert_eq!(ended["revokeSessions"], 2);
        assert_eq!(kept.get("/mine").await.status, StatusCode::SEE_OTHER);
    }

    async fn a_unit_leader_is_known_by_the_unit_and_changes_only_with_the_form_token(app: TestApp) {
        app.with_example_plan().await;
        // Kari leads Barne- og ungdomsvern by the unit's leader email: her first sign-in makes
        // her a person with the unit-leader role.
        let kari = "kari.nordmann@eksempel.kommune.no";
        let mut browser = Browser::new(&app);
        sign_in(&app, &mut browser, kari).await;
        let mine = browser.get("/mine").await;
        assert!(mine.body.contains("Tiltakene Barne- og ungdomsvern har ansvar for"), "{}", mine.body);
        let start = mine.body.find("/tiltak/").unwrap();
        let path = &mine.body[start..start + "/tiltak/".len() + 36];
        let page = browser.get(path).await;
        assert!(page.body.contains("Oppdater status") && page.body.contains("Historikk"));
        let version = {
            let at = page.body.find(r#"name="version" value=""#).unwrap() + r#"name="version" value=""#.len();
            page.body[at..].split('"').next().unwrap().to_owned()
        };
        let before = events(&app).await.len();
        let forged = browser
            .post(path, &[("csrf", "x"), ("version", &version), ("status", "COMPLETED"), ("progress", "100"), ("comment", "")])
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(events(&app).await.len(), before, "nothing written");
        let csrf = browser.csrf();
        let saved = browser
            .post(path, &[("csrf", &csrf), ("version", &version), ("status", "COMPLETED"), ("progress", "100"), ("comment", "")])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let written = events(&app).await;
        assert_eq!(written.len(), before + 2, "a status and a progress event");
        assert!(written.iter().all(|e| e.via.is_none()), "a signed-in change is not noted as via a link");
        // The same form again is stale: the version moved on.
        let stale = browser
            .post(path, &[("csrf", &csrf), ("version", &version), ("status", "IN_PROGRESS"), ("progress", "100"), ("comment", "Gjenåpnet")])
            .await;
        assert_eq!(stale.status, 422);
        assert!(stale.body.contains("Noen andre endret tiltaket mens du skrev") && stale.body.contains("Gjenåpnet"));
        assert_eq!(events(&app).await.len(), before + 2);
    }

    async fn a_reminder_link_reaches_its_action_only_and_gets_are_harmless(app: TestApp) {
        app.with_example_plan().await;
        jobs::run(&app.state, Job::DeadlineReminders, app.clock.now(), Trigger::Manual, "test")
            .await
            .unwrap();
        let reminders = notification::Entity::find()
            .filter(notification::Column::Recipient.contains("kari.nordmann@"))
            .all(&app.state.db)
            .await
            .unwrap();
        let body = &reminders.first().expect("a reminder to Kari").body_text;
        let start = body.find("/e/").expect("an email link");
        let link: String = body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/_".contains(*c)).collect();

        let mut browser = Browser::new(&app);
        let before = events(&app).await.len();
        for _ in 0..2 {
            let page = browser.get(&link).await;
            assert_eq!(page.status, 200);
            assert!(page.body.contains("fra lenken i e-posten"), "{}", page.body);
            let head = browser.client.head(browser.url(&link)).send().await.unwrap();
            assert_eq!(head.status(), 200);
        }
        assert_eq!(events(&app).await.len(), before, "GET and HEAD change nothing");
        assert!(!browser.cookies.contains_key("tiltak_session"), "a link opens no session");
        // It is no sign-in: the pages still ask for one.
        assert_eq!(browser.get("/mine").await.status, StatusCode::SEE_OTHER);

        let page = browser.get(&link).await;
        let version = {
            let at = page.body.find(r#"name="version" value=""#).unwrap() + r#"name="version" value=""#.len();
            page.body[at..].split('"').next().unwrap().to_owned()
        };
        let csrf = browser.csrf();
        let cancelled_without_reason = browser
            .post(&link, &[("csrf", &csrf), ("version", &version), ("status", "CANCELLED"), ("progress", ""), ("comment", "")])
            .await;
        assert_eq!(cancelled_without_reason.status, 422);
        assert!(
            cancelled_without_reason.body.contains("Kommentar: skriv hvorfor tiltaket blir «Avsluttet»"),
            "{}",
            cancelled_without_reason.body
        );
        assert_eq!(events(&app).await.len(), before, "a refused form writes nothing");
        let saved = browser
            .post(&link, &[("csrf", &csrf), ("version", &version), ("status", "CANCELLED"), ("progress", ""), ("comment", "Venter på rom")])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let after = events(&app).await;
        assert_eq!(after.len(), before + 1, "one POST, one event");
        let event = after.iter().max_by_key(|e| e.id).unwrap();
        assert_eq!(event.via.map(|via| via.code()), Some("email-link"));
        assert_eq!(event.comment.as_deref(), Some("Venter på rom"));
        // The history chain holds with the new field.
        let verify = app.cli(&["audit", "verify"]);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

        // Another action's evaluation is out of reach.
        let other = browser
            .post(&format!("{link}/evaluering/{}", uuid::Uuid::new_v4()), &[("csrf", &csrf), ("carried_out", "YES"), ("effect", "x"), ("decision", "CONTINUE")])
            .await;
        assert_eq!(other.status, 404);

        // Revoked: refused, and nothing written.
        let revoked = app
            .ok("mutation { revokeEmailLinks(email: \"Kari.Nordmann@eksempel.kommune.no\") }", serde_json::json!({}))
            .await;
        assert!(revoked["revokeEmailLinks"].as_i64().unwrap() >= 1);
        assert_eq!(browser.get(&link).await.status, 401);
        let refused = browser
            .post(&link, &[("csrf", &csrf), ("version", &version), ("status", "IN_PROGRESS"), ("progress", ""), ("comment", "")])
            .await;
        assert_eq!(refused.status, 401);
        assert_eq!(events(&app).await.len(), before + 1);
    }
}

/// A reminder email's link stops working after `web.email_link_days`.
#[tokio::test]
async fn email_links_expire() {
    let app = example(Db::Sqlite).await;
    jobs::run(
        &app.state,
        Job::DeadlineReminders,
        app.clock.now(),
        Trigger::Manual,
        "test",
    )
    .await
    .unwrap();
    let row = notification::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let start = row.body_text.find("/e/").unwrap();
    let link: String = row.body_text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/_".contains(*c))
        .collect();
    let mut browser = Browser::new(&app);
    assert_eq!(browser.get(&link).await.status, 200);
    app.clock
        .advance(chrono::Duration::days(app.settings.web.email_link_days) + chrono::Duration::minutes(1));
    let expired = browser.get(&link).await;
    assert_eq!(expired.status, 401);
    assert!(expired.body.contains("Lenken virker ikke"));
}

on_both_databases! {
    async fn an_admin_makes_sign_in_links_and_tokens_on_the_setup_page(app: TestApp) {
        app.with_example_plan().await;
        app.token_for("koordinator@eksempel.kommune.no", "COORDINATOR", None).await;
        let person = tiltak::services::org::person_by_email(&app.state.db, app.state_org().await, "koordinator@eksempel.kommune.no")
            .await
            .unwrap()
            .unwrap();
        let mut admin = Browser::new(&app);
        sign_in(&app, &mut admin, "admin@eksempel.kommune.no").await;
        let setup = admin.get("/oppsett").await;
        assert!(setup.body.contains("Innloggingslenke for"), "{}", setup.body);

        // A one-time link for the coordinator, shown once, that signs them in.
        let csrf = admin.csrf();
        let shown = admin.post(&format!("/oppsett/person/{}/lenke", person.id), &[("csrf", &csrf)]).await;
        let body = shown.body.replace("&#x2f;", "/");
        let start = body.find("/logg-inn/tiltak_").expect("the link is shown");
        let link: String = body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/_-".contains(*c)).collect();
        let mut them = Browser::new(&app);
        them.get(&link).await;
        let csrf_them = them.csrf();
        assert_eq!(them.post(&link, &[("csrf", &csrf_them)]).await.status, StatusCode::SEE_OTHER);
        let mine = them.get("/mine").await;
        assert!(mine.body.contains("Koordinator") || mine.body.contains("koordinator@"), "signed in as the coordinator");

        // The coordinator may not make links or tokens for others.
        let refused = them.post(&format!("/oppsett/person/{}/nokkel", person.id), &[("csrf", &csrf_them)]).await;
        assert_eq!(refused.status, 403);

        // A token made on the page works for GraphQL until it is revoked there.
        let issued = admin.post(&format!("/oppsett/person/{}/nokkel", person.id), &[("csrf", &csrf)]).await;
        let start = issued.body.find(">tiltak_").expect("the token is shown") + 1;
        let token: String = issued.body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let me = app.gql_as(Some(&token), "{ me { email } }", serde_json::json!({})).await;
        assert_eq!(me["data"]["me"]["email"], "koordinator@eksempel.kommune.no", "{me}");
        let tokens = tiltak::services::auth::tokens(&app.state.db, person.organization_id).await.unwrap();
        let hash = tiltak::services::auth::hash_token(&token);
        let id = tokens.iter().find(|t| t.token.token_hash == hash).unwrap().token.id;
        let revoked = admin.post(&format!("/oppsett/nokkel/{id}/trekk"), &[("csrf", &csrf)]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
        let after = app.gql_as(Some(&token), "{ me { email } }", serde_json::json!({})).await;
        assert_eq!(crate::helpers::error_code(&after), Some("UNAUTHENTICATED"), "{after}");
    }
}

on_both_databases! {
    async fn an_evaluation_is_submitted_from_the_email_link_and_no_link_reaches_another_organization(app: TestApp) {
        app.with_example_plan().await;
        // 15 January: the example plan's own schedule opens the round for last year, and the
        // leaders get their reminders.
        let january = chrono::DateTime::parse_from_rfc3339("2027-01-15T09:00:00+01:00").unwrap().with_timezone(&chrono::Utc);
        app.clock.set(january);
        jobs::run(&app.state, Job::PlanRevision, january, Trigger::Manual, "test").await.unwrap();
        let reminder = notification::Entity::find()
            .filter(notification::Column::Recipient.contains("kari.nordmann@"))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.body_text.contains("Evaluering"))
            .expect("an evaluation reminder to Kari");
        let start = reminder.body_text.find("/e/").unwrap();
        let link: String = reminder.body_text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/_".contains(*c)).collect();
        let mut browser = Browser::new(&app);
        let page = browser.get(&link).await;
        let body = page.body.replace("&#x2f;", "/");
        assert!(body.contains("Evaluering for 2026"), "{body}");
        let evaluation = body
            .find("/evaluering/")
            .map(|at| body[at + "/evaluering/".len()..][..36].to_owned())
            .expect("the evaluation form");
        let form_url = format!("{link}/evaluering/{evaluation}");
        let csrf = browser.csrf();

        // Another organization's evaluation is out of reach through this link.
        let db = app.db().await;
        let other = tiltak::services::bootstrap::create_organization(&db, "Nabo kommune", app.clock.now()).await.unwrap();
        let admin = tiltak::services::org::insert_person(
            &db,
            other.id,
            app.clock.now(),
            tiltak::services::org::NewPerson {
                name: "Nabo".into(),
                email: "admin@nabo.kommune.no".into(),
                role: tiltak::domain::Role::Admin,
                unit_id: None,
            },
        )
        .await
        .unwrap();
        let viewer = tiltak::services::Viewer::of(admin).unwrap();
        tiltak::services::bootstrap::load_example_plan(&db, &app.state.audit_key, &viewer, app.clock.now(), &app.state.settings.public_url())
            .await
            .unwrap();
        let their_plan = tiltak::entities::plan::Entity::find()
            .filter(tiltak::entities::plan::Column::OrganizationId.eq(other.id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        tiltak::services::evaluations::open_round(&app.state.db, &their_plan, 2026, app.state.today(), 45, january)
            .await
            .unwrap();
        let foreign = tiltak::entities::evaluation::Entity::find()
            .filter(tiltak::entities::evaluation::Column::OrganizationId.eq(other.id))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the other organization's round");
        let before = events(&app).await.len();
        let reached = browser
            .post(&format!("{link}/evaluering/{}", foreign.id), &[("csrf", &csrf), ("carried_out", "YES"), ("effect", "Bra"), ("decision", "CONTINUE")])
            .await;
        assert_eq!(reached.status, 404);
        assert_eq!(events(&app).await.len(), before);

        // Missing answers are named in Norwegian; a full one is recorded, noted via the link.
        let missing = browser.post(&form_url, &[("csrf", &csrf), ("carried_out", "YES"), ("effect", ""), ("decision", "")]).await;
        assert_eq!(missing.status, 422);
        assert!(missing.body.contains("Effekt: beskriv kort") && missing.body.contains("Videre: velg"), "{}", missing.body);
        let sent = browser
            .post(&form_url, &[("csrf", &csrf), ("carried_out", "PARTLY"), ("effect", "Flere familier fikk hjelp tidlig"), ("decision", "ADJUST")])
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let written = events(&app).await;
        assert_eq!(written.len(), before + 1);
        let event = written.iter().max_by_key(|e| e.id).unwrap();
        assert_eq!((event.kind.code(), event.via.map(|via| via.code())), ("EVALUATED", Some("email-link")));
    }
}

on_both_databases! {
    async fn a_leader_of_two_units_follows_up_both(app: TestApp) {
        app.with_example_plan().await;
        let kari = "kari.nordmann@eksempel.kommune.no";
        let units = app.ok("{ units { id name } }", serde_json::json!({})).await;
        let unit = |name: &str| {
            units["units"].as_array().unwrap().iter().find(|u| u["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
        };
        let (buv, pp) = (unit("Barne- og ungdomsvern"), unit("PP-tjenesten"));
        let token = app.token_for(kari, "UNIT_LEADER", Some(&buv)).await;
        let actions = app.ok("{ actions { id number } }", serde_json::json!({})).await;
        let action = |number: &str| {
            actions["actions"].as_array().unwrap().iter().find(|a| a["number"] == number).unwrap()["id"].as_str().unwrap().to_owned()
        };
        // 2.2 is PP-tjenesten's; 4.1 is NAV's.
        let progress = |id: String| {
            let (app, token) = (&app, token.clone());
            async move {
                app.gql_as(
                    Some(&token),
                    "mutation($id: ID!) { updateAction(input: { actionId: $id, progress: 40 }) { progress } }",
                    serde_json::json!({ "id": id }),
                )
                .await
            }
        };
        let refused = progress(action("2.2")).await;
        assert_eq!(crate::helpers::error_code(&refused), Some("FORBIDDEN"), "not hers yet: {refused}");

        // PP-tjenesten names her as its leader: she leads both, and may follow up both.
        let update = "mutation($id: ID!, $email: String!) { updateUnit(input: { unitId: $id, leaderEmail: $email }) { id } }";
        app.ok(update, serde_json::json!({ "id": pp, "email": kari })).await;
        let me = app.gql_as(Some(&token), "{ me { unit { name } leads { name } } }", serde_json::json!({})).await;
        assert_eq!(
            me["data"]["me"],
            serde_json::json!({ "unit": { "name": "Barne- og ungdomsvern" }, "leads": [{ "name": "Barne- og ungdomsvern" }, { "name": "PP-tjenesten" }] })
        );
        let saved = progress(action("2.2")).await;
        assert_eq!(saved["data"]["updateAction"]["progress"], 40, "{saved}");
        let other = progress(action("4.1")).await;
        assert_eq!(crate::helpers::error_code(&other), Some("FORBIDDEN"), "{other}");

        // «Mine tiltak» lists both units' actions.
        let mut browser = Browser::new(&app);
        sign_in(&app, &mut browser, kari).await;
        let mine = browser.get("/mine").await;
        assert!(mine.body.contains("Tiltakene Barne- og ungdomsvern og PP-tjenesten har ansvar for"), "{}", mine.body);
        assert!(mine.body.contains("Kompetanse i tidlig avdekking") && mine.body.contains("Rutine ved bekymring for barn"));
        assert!(!mine.body.contains("Lokal fritidserklæring"), "not NAV's");

        // Named leader no more: refused again.
        app.ok(update, serde_json::json!({ "id": pp, "email": "ingrid.berg@eksempel.kommune.no" })).await;
        let refused = progress(action("2.2")).await;
        assert_eq!(crate::helpers::error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
}
