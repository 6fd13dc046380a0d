//! The harness itself: each PostgreSQL test database is gone when its test ends, also when the
//! test fails, and carries this checkout's prefix.

use sea_orm::{ConnectionTrait, Database, Statement};

use crate::helpers::{Db, TestApp, database_prefix};

async fn exists(name: &str) -> bool {
    let server = std::env::var("TILTAK_TEST_POSTGRES_URL").unwrap();
    let admin = Database::connect(&server).await.unwrap();
    let found = admin
        .query_one_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .unwrap()
        .is_some();
    admin.close().await.unwrap();
    found
}

fn database_name(app: &TestApp) -> String {
    app.settings.database.url.rsplit_once('/').unwrap().1.to_owned()
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn a_test_database_is_dropped_when_its_test_ends_even_by_a_panic() {
    let app = TestApp::spawn(Db::Postgres).await.unwrap();
    let name = database_name(&app);
    assert!(name.starts_with(&database_prefix()), "{name}");
    assert!(exists(&name).await);
    let restarted = app.restart().await;
    assert!(exists(&name).await, "a restart keeps the database");
    drop(restarted);
    assert!(!exists(&name).await, "{name} is left behind");

    let (sender, receiver) = tokio::sync::oneshot::channel();
    let failing = tokio::spawn(async move {
        let app = TestApp::spawn(Db::Postgres).await.unwrap();
        sender.send(database_name(&app)).unwrap();
        panic!("a failing test");
    });
    assert!(failing.await.unwrap_err().is_panic());
    let name = receiver.await.unwrap();
    assert!(!exists(&name).await, "{name} is left behind by a failed test");
}
