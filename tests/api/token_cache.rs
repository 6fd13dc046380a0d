//! Bearer tokens are cached on PostgreSQL, where the database tells every instance of each
//! change to a token or a person (`services::auth::cache`); on SQLite they are read on every
//! request. A revocation or a role change counts for the next request either way: made
//! through this service at once, made by another process as soon as PostgreSQL's notice
//! arrives, and made while the notices cannot be heard, once they can again.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::on_both_databases;

const ME: &str = "{ me { role } }";

/// `{ me { role } }` as the token, and the statements it cost (with the last use it noted
/// written, so no earlier request's is counted).
async fn me(app: &TestApp, token: &str) -> (Value, u64) {
    let before = app.statements_run().await;
    let answer = app.gql_as(Some(token), ME, json!({})).await;
    (answer, app.statements_run().await - before)
}

fn on_postgres(app: &TestApp) -> bool {
    app.settings.database.url.starts_with("postgres")
}

/// Waits up to five seconds for `done`, asking every 20 ms; the last answer.
async fn eventually(app: &TestApp, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let (answer, _) = me(app, token).await;
        if done(&answer) || Instant::now() > until {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The id of the token of the person with `email`.
async fn token_id(app: &TestApp, email: &str) -> String {
    let db = app.db().await;
    let org = tiltak::services::bootstrap::ensure_organization(&db, &app.settings, chrono::Utc::now())
        .await
        .unwrap()
        .0;
    let tokens = tiltak::services::auth::tokens(&db, org.id).await.unwrap();
    tokens
        .iter()
        .find(|t| t.person.email == email)
        .unwrap()
        .token
        .id
        .to_string()
}

/// Until the app's listener heard a notice after the `before`th, for at most five seconds;
/// the notices heard then. Notices are per database: no other test's reach it.
async fn until_heard(app: &TestApp, before: u64) -> u64 {
    let until = Instant::now() + Duration::from_secs(5);
    while app.state.tokens.heard() <= before {
        assert!(Instant::now() < until, "no notice of the change was heard");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.state.tokens.heard()
}

/// Until the cache is on (`true`) or off, for at most five seconds.
async fn until_cache(app: &TestApp, on: bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while app.state.tokens.active() != on {
        assert!(
            Instant::now() < until,
            "the token cache did not turn {}",
            if on { "on" } else { "off" }
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

on_both_databases! {
    async fn a_token_is_read_once_on_postgresql_and_its_revocation_counts_at_once(app: TestApp) {
        // On from the start on PostgreSQL, never on SQLite.
        assert_eq!(app.state.tokens.active(), on_postgres(&app));
        let token = app.token_for("leser@kommune.no", "VIEWER", None).await;
        let (first, _) = me(&app, &token).await;
        assert_eq!(first["data"]["me"]["role"], "VIEWER", "{first}");
        // The token and its person: one statement, or none once cached.
        let (second, statements) = me(&app, &token).await;
        assert_eq!(second["data"]["me"]["role"], "VIEWER", "{second}");
        assert_eq!(statements, if on_postgres(&app) { 0 } else { 1 });

        // Made a coordinator through the service: the next request is the coordinator's.
        let person = app.gql_as(Some(&token), "{ me { id } }", json!({})).await["data"]["me"]["id"].clone();
        app.ok(
            "mutation($id: ID!) { updatePerson(input: {personId: $id, role: COORDINATOR}) { role } }",
            json!({ "id": person }),
        )
        .await;
        let (changed, _) = me(&app, &token).await;
        assert_eq!(changed["data"]["me"]["role"], "COORDINATOR", "{changed}");

        // Revoked by the CLI, another process: refused as soon as the database's notice
        // arrives (on SQLite at once).
        let id = token_id(&app, "leser@kommune.no").await;
        let heard = app.state.tokens.heard();
        let revoked = app.cli(&["token", "revoke", &id]);
        assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
        let refused = eventually(&app, &token, |a| error_code(a) == Some("UNAUTHENTICATED")).await;
        assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
        if on_postgres(&app) {
            until_heard(&app, heard).await;
        }
    }

    async fn a_change_written_past_the_service_counts_too(app: TestApp) {
        let token = app.token_for("leser@kommune.no", "VIEWER", None).await;
        me(&app, &token).await;
        me(&app, &token).await;
        let heard = app.state.tokens.heard();
        // Another writer (an operator's psql): on PostgreSQL the trigger's notice empties the cache.
        app.db()
            .await
            .execute_unprepared("UPDATE person SET role = 'coordinator' WHERE email = 'leser@kommune.no'")
            .await
            .unwrap();
        let changed = eventually(&app, &token, |a| a["data"]["me"]["role"] == "COORDINATOR").await;
        assert_eq!(changed["data"]["me"]["role"], "COORDINATOR", "{changed}");
        let heard = if on_postgres(&app) {
            until_heard(&app, heard).await
        } else {
            heard
        };
        app.db()
            .await
            .execute_unprepared(
                "DELETE FROM api_token WHERE person_id IN (SELECT id FROM person WHERE email = 'leser@kommune.no')",
            )
            .await
            .unwrap();
        let refused = eventually(&app, &token, |a| error_code(a) == Some("UNAUTHENTICATED")).await;
        assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
        if on_postgres(&app) {
            until_heard(&app, heard).await;
        }
    }
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn while_the_notices_cannot_be_heard_nothing_is_cached_and_nothing_missed() {
    let app = TestApp::spawn(crate::helpers::Db::Postgres).await.unwrap();
    assert!(app.state.tokens.active());
    let token = app.token_for("leser@kommune.no", "VIEWER", None).await;
    me(&app, &token).await;
    assert_eq!(me(&app, &token).await.1, 0, "cached");

    // The listening connection is cut, as a restarted database or a network fault would.
    let cut = app
        .db()
        .await
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'tiltak credentials' AND datname = current_database()",
        )
        .await
        .unwrap();
    assert!(cut.rows_affected() >= 1, "no listening connection was found to cut");
    until_cache(&app, false).await;
    // Deaf: the token is read again.
    let (answer, statements) = me(&app, &token).await;
    assert_eq!(answer["data"]["me"]["role"], "VIEWER", "{answer}");
    assert!(statements >= 1, "read from the database while deaf");
    // A revocation made meanwhile, past the service: counts when it is listening again.
    app.db()
        .await
        .execute_unprepared(
            "UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP \
             WHERE person_id IN (SELECT id FROM person WHERE email = 'leser@kommune.no')",
        )
        .await
        .unwrap();
    until_cache(&app, true).await;
    let (refused, _) = me(&app, &token).await;
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
    // And the cache works again for a new token.
    let fresh = app.token_for("ny@kommune.no", "VIEWER", None).await;
    me(&app, &fresh).await;
    assert_eq!(me(&app, &fresh).await.1, 0, "cached again");
}
