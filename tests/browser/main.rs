//! The web pages in a real browser: Debian's Chromium driven by chromedriver (WebDriver) from
//! `cargo test`. Covers signing in by link, "Mine tiltak", the status form (a required reason,
//! a stale form, keyboard only), the reminder email's link (GETs change nothing, one POST
//! writes one event; expired, revoked and no-longer-leader links refused) with JavaScript off,
//! and axe-core on every page kind (WCAG 2.1 A/AA). Screenshots go to
//! `target/screenshots/`.
//!
//! Without chromium and chromedriver the tests say they were skipped; under `CI=true` they fail.

#[path = "../api/helpers.rs"]
#[allow(dead_code, unused_imports, unused_macros)]
mod helpers;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{
    Client, ClientBuilder, Locator,
    actions::{InputSource, KeyAction, KeyActions},
};
use helpers::{Db, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tiltak::{
    entities::{action, action_event, unit},
    jobs::{self, Job, Trigger},
};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The example plan's leader of "Barne- og ungdomsvern".
const LEADER: &str = "kari.nordmann@eksempel.kommune.no";

const TAB: char = '\u{e004}';
const ENTER: char = '\u{e007}';

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser, or `None` (and a clear line) when this machine has none outside CI.
fn driver() -> Option<Driver> {
    let present = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: .ci/run installs chromium and chromium-driver"
            );
        }
        eprintln!(
            "SKIPPED: browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(driver);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver: &Driver, javascript: bool) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let profile = tempfile::tempdir().unwrap().keep();
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1280,1000".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    if !javascript {
        args.push("--blink-settings=scriptEnabled=false".to_owned());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({ "binary": CHROMIUM, "args": args }));
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// axe-core in the page: no violations of WCAG 2.1 A and AA.
async fn accessible(client: &Client, page: &str) {
    let axe = include_str!("../../assets/vendor/axe-core/axe.min.js");
    client.execute(axe, vec![]).await.unwrap();
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.html) }))))
                .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(result, json!([]), "axe found WCAG 2.1 A/AA violations on {page}");
}

/// The page's text once it holds `needle` (a click's navigation may still be under way);
/// the last text seen when it never does, for the assertion's message.
async fn wait_text(client: &Client, needle: &str) -> String {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(needle) {
                return text;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// The page's current text.
async fn text(client: &Client) -> String {
    wait_text(client, "").await
}

/// Clicks the element found.
async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// Types into the field with this id.
async fn type_into(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Chooses a status (if given) and clicks the button of the status form.
async fn save_status(client: &Client, status: Option<&str>) {
    if let Some(status) = status {
        let option = format!("#status option[value={status}]");
        click(client, Locator::Css(&option)).await;
    }
    let button = client
        .find(Locator::Css("form[aria-labelledby=oppdater] button"))
        .await
        .unwrap();
    button.click().await.unwrap();
}

/// Waits until the browser shows this path.
async fn wait_path(client: &Client, path: &str) -> String {
    let mut seen = String::new();
    for _ in 0..100 {
        seen = client.current_url().await.unwrap().path().to_owned();
        if seen.starts_with(path) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// Sends what is in the outbox and returns the newest .eml file's text for this address.
async fn last_email_to(app: &TestApp, address: &str) -> String {
    let mailer = tiltak::mail::Mailer::from_settings(&app.state.settings.mail).unwrap();
    tiltak::services::outbox::dispatch(&app.state.db, &mailer, &app.state.settings.mail, app.clock.now())
        .await
        .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&app.settings.mail.outbox_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    files
        .iter()
        .rev()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .map(|eml| eml.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
        .find(|eml| eml.contains(address))
        .unwrap_or_else(|| panic!("no email to {address}"))
}

fn link_in(email: &str, prefix: &str) -> String {
    let start = email
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {email}"));
    email[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:._-".contains(*c))
        .collect()
}

async fn events_of(app: &TestApp, action_id: uuid::Uuid) -> Vec<action_event::Model> {
    action_event::Entity::find()
        .filter(action_event::Column::ActionId.eq(action_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn example_app() -> TestApp {
    TestApp::spawn_with(Db::Sqlite, |s| s.organization.example_plan = true)
        .await
        .unwrap()
}

/// Signs in through the page: asks for a link, opens it from the email, presses the button.
async fn sign_in(client: &Client, app: &TestApp, email: &str, check: bool) {
    client.goto(&format!("{}/", app.address)).await.unwrap();
    assert!(client.current_url().await.unwrap().path().starts_with("/logg-inn"));
    if check {
        accessible(client, "the sign-in page").await;
        screenshot(client, "1-logg-inn").await;
    }
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    click(client, Locator::Css("form button")).await;
    assert!(
        wait_text(client, "Sjekk e-posten din")
            .await
            .contains("Sjekk e-posten din")
    );
    let link = link_in(&last_email_to(app, email).await, &format!("{}/logg-inn/", app.address));
    client.goto(&link).await.unwrap();
    if check {
        accessible(client, "the sign-in confirmation").await;
    }
    click(client, Locator::Css("main form button")).await;
    assert_eq!(wait_path(client, "/mine").await, "/mine");
}

#[tokio::test]
async fn a_unit_leader_signs_in_and_updates_their_actions() {
    let Some(driver) = driver() else { return };
    let app = example_app().await;
    let client = browser(&driver, true).await;
    sign_in(&client, &app, LEADER, true).await;

    // Mine tiltak: only the unit's own actions (responsible or contributing).
    let page = wait_text(&client, "Tiltakene").await;
    assert!(
        page.contains("Tiltakene Barne- og ungdomsvern har ansvar for eller bidrar til"),
        "{page}"
    );
    accessible(&client, "Mine tiltak").await;
    screenshot(&client, "2-mine-tiltak").await;
    let unit = unit::Entity::find()
        .filter(unit::Column::Name.eq("Barne- og ungdomsvern"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let links = client.find_all(Locator::Css("table a")).await.unwrap();
    assert!(!links.is_empty());
    for link in links {
        let href = link.attr("href").await.unwrap().unwrap();
        let id = uuid::Uuid::parse_str(href.trim_start_matches("/tiltak/")).unwrap();
        let listed = action::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let contributes = tiltak::entities::action_contributor::Entity::find_by_id((id, unit.id))
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some();
        assert!(
            listed.responsible_unit_id == Some(unit.id) || contributes,
            "{} belongs to another unit",
            listed.title
        );
    }
    let own = action::Entity::find()
        .filter(action::Column::ResponsibleUnitId.eq(unit.id))
        .filter(action::Column::Status.eq("IN_PROGRESS"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an action in progress");
    assert!(page.contains(&own.title));

    // The action page; DELAYED without a reason is refused in Norwegian, naming the field.
    client
        .goto(&format!("{}/tiltak/{}", app.address, own.id))
        .await
        .unwrap();
    accessible(&client, "the action page").await;
    let before = events_of(&app, own.id).await.len();
    save_status(&client, Some("DELAYED")).await;
    let page = wait_text(&client, "Kommentar: skriv").await;
    assert!(
        page.contains("Kommentar: skriv hvorfor tiltaket blir «Forsinket»"),
        "{page}"
    );
    assert_eq!(
        events_of(&app, own.id).await.len(),
        before,
        "a refused form writes nothing"
    );
    accessible(&client, "the action page with errors").await;
    screenshot(&client, "3-tiltak-feil").await;

    // With the reason it is saved, and the timeline shows who, from, to and why.
    type_into(&client, "comment", "Venter på nye stillinger").await;
    save_status(&client, None).await;
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("Lagret"), "{page}");
    assert!(
        page.contains("Pågår → Forsinket") && page.contains("«Venter på nye stillinger»"),
        "{page}"
    );
    assert_eq!(events_of(&app, own.id).await.len(), before + 1);
    screenshot(&client, "4-tiltak-lagret").await;

    // A stale form: someone else changes the action meanwhile; the typed text is kept.
    client
        .goto(&format!("{}/tiltak/{}", app.address, own.id))
        .await
        .unwrap();
    let admin = app
        .gql(
            "mutation($id: ID!) { updateActionStatus(input: { actionId: $id, status: IN_PROGRESS, comment: \"Fått stillingene\" }) { status } }",
            json!({ "id": own.id }),
        )
        .await;
    assert!(admin.get("errors").is_none(), "{admin}");
    let count = events_of(&app, own.id).await.len();
    type_into(&client, "comment", "Mitt utkast").await;
    save_status(&client, None).await;
    let page = wait_text(&client, "Noen andre endret").await;
    assert!(page.contains("Noen andre endret tiltaket mens du skrev"), "{page}");
    let kept = client
        .find(Locator::Id("comment"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Mitt utkast"));
    assert_eq!(events_of(&app, own.id).await.len(), count);

    // Keyboard only: Tab to the status, choose with the keys, Tab on and press Enter.
    client
        .goto(&format!("{}/tiltak/{}", app.address, own.id))
        .await
        .unwrap();
    let mut reached = false;
    for _ in 0..40 {
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: TAB })
            .then(KeyAction::Up { value: TAB });
        client.perform_actions(tab).await.unwrap();
        let id = client.active_element().await.unwrap().attr("id").await.unwrap();
        if id.as_deref() == Some("progress") {
            reached = true;
            break;
        }
    }
    assert!(reached, "the progress field is reachable with Tab");
    let progress = client.active_element().await.unwrap();
    progress.clear().await.unwrap();
    progress.send_keys("40").await.unwrap();
    progress.send_keys(&ENTER.to_string()).await.unwrap();
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("Lagret") && page.contains("40 %"), "{page}");

    // Sign out ends the session.
    click(&client, Locator::Css("form.logg-ut button")).await;
    assert!(wait_text(&client, "Du er logget ut").await.contains("Du er logget ut"));
    client.goto(&format!("{}/mine", app.address)).await.unwrap();
    assert!(wait_path(&client, "/logg-inn").await.starts_with("/logg-inn"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_reminder_email_updates_one_action_in_two_clicks_without_javascript() {
    let Some(driver) = driver() else { return };
    let app = example_app().await;
    jobs::run(
        &app.state,
        Job::DeadlineReminders,
        app.clock.now(),
        Trigger::Manual,
        "test",
    )
    .await
    .unwrap();
    let email = last_email_to(&app, LEADER).await;
    let link = link_in(&email, &format!("{}/e/", app.address));

    // Mail scanners open links: GET and HEAD, twice, change nothing.
    let all_events = || async { action_event::Entity::find().all(&app.state.db).await.unwrap().len() };
    let before = all_events().await;
    for _ in 0..2 {
        assert_eq!(app.client.get(&link).send().await.unwrap().status(), 200);
        assert_eq!(app.client.head(&link).send().await.unwrap().status(), 200);
    }
    assert_eq!(all_events().await, before);

    // Click 1 opens the link; click 2 saves.
    let client = browser(&driver, false).await;
    client.goto(&link).await.unwrap();
    let page = text(&client).await;
    assert!(page.contains("fra lenken i e-posten"), "{page}");
    screenshot(&client, "5-e-postlenke").await;
    save_status(&client, Some("COMPLETED")).await;
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("Lagret"), "{page}");
    assert!(
        page.contains("fra lenken i e-posten"),
        "the history notes the email link: {page}"
    );
    let events = action_event::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(events.len(), before + 1, "one POST, one history event");
    let event = events.iter().max_by_key(|e| e.id).unwrap();
    assert_eq!(event.via.map(|via| via.code()), Some("email-link"));
    assert_eq!(event.to_value.as_deref(), Some("COMPLETED"));
    client.close().await.unwrap();

    // Accessibility of the link page, with scripts on for axe.
    let client = browser(&driver, true).await;
    client.goto(&link).await.unwrap();
    accessible(&client, "the email link page").await;

    // No longer the leader: refused.
    let action_id = event.action_id;
    let responsible = action::Entity::find_by_id(action_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .responsible_unit_id
        .unwrap();
    let refused = |status: reqwest::StatusCode| status == 401;
    unit::Entity::update_many()
        .col_expr(
            unit::Column::LeaderEmail,
            sea_orm::sea_query::Expr::value("ny.leder@eksempel.kommune.no"),
        )
        .filter(unit::Column::Id.eq(responsible))
        .exec(&app.state.db)
        .await
        .unwrap();
    tiltak::entities::person::Entity::update_many()
        .col_expr(
            tiltak::entities::person::Column::Role,
            sea_orm::sea_query::Expr::value("viewer"),
        )
        .filter(tiltak::entities::person::Column::Email.eq(LEADER))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(refused(app.client.get(&link).send().await.unwrap().status()));
    client.goto(&link).await.unwrap();
    assert!(
        wait_text(&client, "Lenken virker ikke")
            .await
            .contains("Lenken virker ikke")
    );
    accessible(&client, "a refused link").await;
    client.close().await.unwrap();

    // Revoked and expired links are refused too (another recipient's links).
    let second = example_links(&app).await;
    let (revoked, expired) = (&second[0], &second[1]);
    let admin = app
        .gql(
            "mutation($email: String!) { revokeEmailLinks(email: $email) }",
            json!({ "email": revoked.1 }),
        )
        .await;
    assert!(admin.get("errors").is_none(), "{admin}");
    assert!(refused(app.client.get(&revoked.0).send().await.unwrap().status()));
    app.clock.advance(chrono::Duration::days(31));
    assert!(refused(app.client.get(&expired.0).send().await.unwrap().status()));
    // A link reaches only its own action: an evaluation of another action is not found.
    let other = format!("{}/evaluering/{}", expired.0, uuid::Uuid::new_v4());
    let posted = app.client.post(&other).form(&[("csrf", "x")]).send().await.unwrap();
    assert!(posted.status() == 403 || posted.status() == 401, "{}", posted.status());
}

/// Links of the reminder emails to other leaders: (link, recipient).
async fn example_links(app: &TestApp) -> Vec<(String, String)> {
    let mut links = Vec::new();
    for path in std::fs::read_dir(&app.settings.mail.outbox_dir).unwrap() {
        let eml = std::fs::read_to_string(path.unwrap().path()).unwrap();
        let eml = eml.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
        if eml.contains(LEADER) || !eml.contains(&format!("{}/e/", app.address)) {
            continue;
        }
        let to = eml
            .lines()
            .find(|l| l.starts_with("To:"))
            .and_then(|l| l.split('<').nth(1))
            .map(|l| l.trim_end_matches('>').to_owned())
            .unwrap();
        links.push((link_in(&eml, &format!("{}/e/", app.address)), to));
    }
    assert!(links.len() >= 2, "reminders to at least two other leaders");
    links
}

#[tokio::test]
async fn leader_teams_and_the_administration_see_plans_teams_and_the_council_report() {
    let Some(driver) = driver() else { return };
    let app = example_app().await;
    let client = browser(&driver, true).await;
    sign_in(&client, &app, "admin@eksempel.kommune.no", false).await;

    // The plans and one plan's actions, filtered by status.
    client.goto(&format!("{}/planer", app.address)).await.unwrap();
    assert!(wait_text(&client, "Planer").await.contains("gjennomsnittlig fremdrift"));
    accessible(&client, "the plans").await;
    click(&client, Locator::Css("main h2 a")).await;
    let page = wait_text(&client, "Last ned som").await;
    assert!(page.contains("1 Samarbeid og samordning"), "{page}");
    accessible(&client, "a plan").await;
    screenshot(&client, "6-plan").await;
    let option = "#status-filter option[value=DELAYED]";
    click(&client, Locator::Css(option)).await;
    click(&client, Locator::Css("form.filtre button")).await;
    wait_path(&client, "/planer/").await;
    let statuses = client.find_all(Locator::Css("table tbody .ds-tag")).await.unwrap();
    assert!(!statuses.is_empty());
    for status in statuses {
        assert_eq!(status.text().await.unwrap(), "Forsinket");
    }

    // The leader teams: counts as labelled signals, and what needs attention.
    client.goto(&format!("{}/lederteam", app.address)).await.unwrap();
    let page = wait_text(&client, "Familiens hus lederteam").await;
    assert!(
        page.contains("Trenger oppmerksomhet") && page.contains("forsinket eller over fristen"),
        "{page}"
    );
    accessible(&client, "the leader team page").await;
    screenshot(&client, "7-lederteam").await;

    // The council report: on the page, and frozen only with a confirmation.
    client.goto(&format!("{}/rapport", app.address)).await.unwrap();
    let page = wait_text(&client, "Sammendrag").await;
    assert!(page.contains("Ikke frosset") && page.contains("Per enhet"), "{page}");
    accessible(&client, "the council report").await;
    screenshot(&client, "8-rapport").await;
    click(&client, Locator::Css("form.frys button")).await;
    let page = wait_text(&client, "Bekreftelse:").await;
    assert!(page.contains("Bekreftelse: kryss av"), "{page}");
    click(&client, Locator::Id("bekreft")).await;
    click(&client, Locator::Id("tom")).await;
    click(&client, Locator::Css("form.frys button")).await;
    let page = wait_text(&client, "Rapporten er frosset").await;
    assert!(
        page.contains("Rapporten er frosset") && page.contains("Frosset "),
        "{page}"
    );

    // Oppsett: a unit renamed on the page.
    client.goto(&format!("{}/oppsett", app.address)).await.unwrap();
    wait_text(&client, "Lederteam").await;
    accessible(&client, "the setup page").await;
    screenshot(&client, "9-oppsett").await;
    let form = "form[aria-label='Enheten PP-tjenesten']";
    let name = client
        .find(Locator::Css(&format!("{form} input[name=name]")))
        .await
        .unwrap();
    name.clear().await.unwrap();
    name.send_keys("PPT").await.unwrap();
    let save = client.find(Locator::Css(&format!("{form} button"))).await.unwrap();
    save.click().await.unwrap();
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("Lagret"), "{page}");
    let units = app.ok("{ units { name } }", json!({})).await.to_string();
    assert!(units.contains("\"PPT\"") && !units.contains("PP-tjenesten"), "{units}");

    // Årshjul: the jobs, and a failed message sent again.
    let message = tiltak::entities::notification::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the sign-in email");
    tiltak::entities::notification::Entity::update_many()
        .col_expr(
            tiltak::entities::notification::Column::Status,
            sea_orm::sea_query::Expr::value("FAILED"),
        )
        .col_expr(
            tiltak::entities::notification::Column::LastError,
            sea_orm::sea_query::Expr::value("550 5.1.1 mailbox unavailable"),
        )
        .filter(tiltak::entities::notification::Column::Id.eq(message.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    client.goto(&format!("{}/arshjul", app.address)).await.unwrap();
    let page = wait_text(&client, "Jobber").await;
    assert!(
        page.contains("deadline-reminders") && page.contains("550 5.1.1 mailbox unavailable"),
        "{page}"
    );
    accessible(&client, "the årshjul page").await;
    let resend = client
        .find(Locator::Css("form[aria-label^='Feilet melding'] button"))
        .await
        .unwrap();
    resend.click().await.unwrap();
    assert!(wait_text(&client, "sendes på nytt").await.contains("sendes på nytt"));
    let again = tiltak::entities::notification::Entity::find_by_id(message.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.status.code(), "PENDING");
    // An action edited: a bad date is refused naming the field, a good one saved.
    client.goto(&format!("{}/mine", app.address)).await.unwrap();
    wait_text(&client, "Mine tiltak").await;
    click(&client, Locator::Css("main table a")).await;
    wait_text(&client, "Rediger tiltaket").await;
    click(
        &client,
        Locator::LinkText("Rediger tiltaket (tekst, enhet, frist, kapittel)"),
    )
    .await;
    wait_text(&client, "Nummer i kapitlet").await;
    accessible(&client, "the edit page").await;
    let deadline = client.find(Locator::Id("deadline")).await.unwrap();
    deadline.clear().await.unwrap();
    deadline.send_keys("31.02.2027").await.unwrap();
    click(&client, Locator::Css("main form button")).await;
    let page = wait_text(&client, "Frist:").await;
    assert!(page.contains("Frist: skriv datoen som 31.12.2026"), "{page}");
    let deadline = client.find(Locator::Id("deadline")).await.unwrap();
    deadline.clear().await.unwrap();
    deadline.send_keys("31.12.2027").await.unwrap();
    click(&client, Locator::Css("main form button")).await;
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("31.12.2027") && page.contains("Frist"), "{page}");

    // The same action archived from its edit page: it leaves the plan's list for its
    // «Arkiverte tiltak», keeps its history, and the chapters page renames a chapter.
    let edited: uuid::Uuid = client
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/tiltak/")
        .parse()
        .unwrap();
    client
        .goto(&format!("{}/tiltak/{edited}/rediger", app.address))
        .await
        .unwrap();
    wait_text(&client, "Arkiver tiltaket").await;
    type_into(&client, "archive-comment", "Erstattet av et nytt tiltak").await;
    click(&client, Locator::Css("form[action$='/arkiver'] button")).await;
    let page = wait_text(&client, "Tiltaket er arkivert").await;
    assert!(
        page.contains("Tiltaket er arkivert") && !page.contains("Oppdater status"),
        "{page}"
    );
    let archived = action::Entity::find_by_id(edited)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(archived.archived_at.is_some());
    let last = events_of(&app, edited).await.pop().unwrap();
    assert_eq!(
        (last.kind.code(), last.comment.as_deref()),
        ("ARCHIVED", Some("Erstattet av et nytt tiltak"))
    );
    client
        .goto(&format!("{}/planer/{}", app.address, archived.plan_id))
        .await
        .unwrap();
    let page = wait_text(&client, "Arkiverte tiltak").await;
    let (listed, archived_part) = page.split_once("Arkiverte tiltak").unwrap();
    assert!(
        !listed.contains(&archived.title) && archived_part.contains(&archived.title),
        "{page}"
    );
    click(&client, Locator::LinkText("Endre kapitlene")).await;
    wait_text(&client, "Nytt kapittel").await;
    accessible(&client, "the chapters page").await;
    let title = client.find(Locator::Css("input[name=title]")).await.unwrap();
    title.clear().await.unwrap();
    title.send_keys("Samarbeid på tvers").await.unwrap();
    click(&client, Locator::Css("main form button")).await;
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("Lagret"), "{page}");
    let renamed = tiltak::entities::chapter::Entity::find()
        .filter(tiltak::entities::chapter::Column::PlanId.eq(archived.plan_id))
        .filter(tiltak::entities::chapter::Column::Number.eq(1))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.title, "Samarbeid på tvers");

    // Import: the real plan uploaded, its dry run shown, then applied.
    client.goto(&format!("{}/import", app.address)).await.unwrap();
    wait_text(&client, "Importer plan").await;
    accessible(&client, "the import page").await;
    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.txt");
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(plan_file)
        .await
        .unwrap();
    type_into(&client, "title", "Forebyggende plan 2025–2028").await;
    click(&client, Locator::Css("main form button")).await;
    let page = wait_text(&client, "Prøveimport").await;
    assert!(
        page.contains("56 tiltak funnet") && page.contains("56 blir nye"),
        "{page}"
    );
    accessible(&client, "the import's dry run").await;
    screenshot(&client, "10-import").await;
    let plans_before = app.ok("{ plans { id } }", json!({})).await["plans"]
        .as_array()
        .unwrap()
        .len();
    click(&client, Locator::Css("main form button")).await;
    wait_path(&client, "/planer/").await;
    let page = wait_text(&client, "17.17").await;
    assert!(page.contains("17.17"), "{page}");
    let plans_after = app.ok("{ plans { id } }", json!({})).await["plans"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(plans_after, plans_before + 1);

    // The import's suggested units confirmed in one step, and a deadline set on two actions.
    let confirm = client
        .find(Locator::Css("form[aria-label='Bekreft foreslåtte enheter'] button"))
        .await
        .unwrap();
    confirm.click().await.unwrap();
    wait_text(&client, "Lagret").await;
    accessible(&client, "a plan with the bulk form").await;
    let boxes = client.find_all(Locator::Css("input[name=action]")).await.unwrap();
    for checkbox in boxes.iter().take(2) {
        checkbox.click().await.unwrap();
    }
    type_into(&client, "flere-frist", "31.12.2027").await;
    let apply = client
        .find(Locator::Css("form[aria-label='Endre flere tiltak'] fieldset button"))
        .await
        .unwrap();
    apply.click().await.unwrap();
    let page = wait_text(&client, "Lagret").await;
    assert_eq!(page.matches("31.12.2027").count(), 2, "{page}");

    // The public page, switched on by the admin, read without signing in.
    client.goto(&format!("{}/oppsett", app.address)).await.unwrap();
    wait_text(&client, "Offentlig side").await;
    let public = client
        .find(Locator::Css("form[aria-label^='Offentlig side'] input[type=checkbox]"))
        .await
        .unwrap();
    public.click().await.unwrap();
    let save = client
        .find(Locator::Css("form[aria-label^='Offentlig side'] button"))
        .await
        .unwrap();
    save.click().await.unwrap();
    assert!(wait_text(&client, "Lagret").await.contains("/offentlig/"));
    let href = client
        .find(Locator::Css("a[href^='/offentlig/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let reader = browser(&driver, true).await;
    reader.goto(&format!("{}{href}", app.address)).await.unwrap();
    let page = wait_text(&reader, "Slik går det").await;
    assert!(page.contains("gjennomført"), "{page}");
    for internal in ["@", "Venter på ny veileder fra Bufdir", "Kari Nordmann", "Logg ut"] {
        assert!(!page.contains(internal), "the public page shows {internal:?}: {page}");
    }
    accessible(&reader, "the public page").await;
    screenshot(&reader, "11-offentlig").await;
    reader.close().await.unwrap();

    // A person added on the page, and made a member of a leader team.
    client.goto(&format!("{}/oppsett", app.address)).await.unwrap();
    wait_text(&client, "Personer").await;
    type_into(&client, "ny-navn", "Siri Team").await;
    type_into(&client, "ny-epost", "siri@eksempel.kommune.no").await;
    let role = "#ny-rolle option[value=team-member]";
    click(&client, Locator::Css(role)).await;
    click(&client, Locator::Css("form[aria-label='Ny person'] button")).await;
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("siri@eksempel.kommune.no"), "{page}");
    let teams = app.ok("{ teams { id name } }", json!({})).await;
    let team = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Familiens hus lederteam")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let siri = client
        .find(Locator::XPath(&format!(
            "//form[@action='/oppsett/team/{team}']//label[contains(., 'siri@eksempel.kommune.no')]"
        )))
        .await
        .unwrap();
    siri.click().await.unwrap();
    let save = format!("form[action='/oppsett/team/{team}'] button");
    click(&client, Locator::Css(&save)).await;
    assert!(wait_text(&client, "Lagret").await.contains("Lagret"));
    client.close().await.unwrap();

    // The member comments on an action of a unit the team follows.
    let client = browser(&driver, true).await;
    sign_in(&client, &app, "siri@eksempel.kommune.no", false).await;
    client.goto(&format!("{}/lederteam", app.address)).await.unwrap();
    let page = wait_text(&client, "Familiens hus lederteam").await;
    assert!(
        page.contains("Forsinket: «"),
        "the member sees the delayed action and why: {page}"
    );
    assert!(
        !page.contains("SLT-koordineringsgruppen"),
        "a member sees their own teams: {page}"
    );
    click(&client, Locator::Css("main table.tiltak-liste a")).await;
    let page = wait_text(&client, "Kommentar fra lederteamet").await;
    assert!(
        !page.contains("Oppdater status"),
        "a team member does not change the status: {page}"
    );
    type_into(&client, "comment", "Tas opp i lederteamet 3. desember").await;
    let button = client
        .find(Locator::Css("form[aria-labelledby=kommenter] button"))
        .await
        .unwrap();
    button.click().await.unwrap();
    let page = wait_text(&client, "Lagret").await;
    assert!(page.contains("«Tas opp i lederteamet 3. desember»"), "{page}");
    accessible(&client, "an action seen by a team member").await;
    client.close().await.unwrap();
}
