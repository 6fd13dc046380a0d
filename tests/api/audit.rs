//! The tamper-evident history: an edit, a deletion or a reordering made directly in the
//! database is found, and named, by the verification.

use sea_orm::ConnectionTrait;
use serde_json::json;
use tiltak::services::history;

use crate::on_both_databases;

on_both_databases! {
    async fn an_edit_or_a_deletion_in_the_database_breaks_the_chain(app: TestApp) {
        let f = app.fixture().await;
        for (status, comment) in [("IN_PROGRESS", None), ("DELAYED", Some("Mangler ressurser")), ("IN_PROGRESS", Some("Løst"))] {
            app.ok(
                "mutation($input: UpdateActionStatusInput!) { updateActionStatus(input: $input) { status } }",
                json!({ "input": { "actionId": f.action_id, "status": status, "comment": comment } }),
            )
            .await;
        }
        let db = app.db().await;
        let intact = history::verify(&db).await.unwrap().expect("an intact chain");
        assert_eq!((intact.organizations, intact.events), (1, 4), "created and three status changes");

        // Someone softens the reason for the delay, straight in the database.
        let events = app.action(&f.action_id).await["history"].as_array().unwrap().len();
        assert_eq!(events, 4);
        db.execute_unprepared("UPDATE action_event SET comment = 'Alt gikk bra' WHERE comment = 'Mangler ressurser'")
            .await
            .unwrap();
        let broken = history::verify(&db).await.unwrap().expect_err("the edit is found");
        assert!(broken.reason.contains("does not match its hash"), "{broken:?}");
        let edited: i64 = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT id FROM action_event WHERE comment = 'Alt gikk bra'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap();
        assert_eq!(broken.event_id, edited);

        // Put back, the chain holds again; deleting an event breaks the link after it.
        db.execute_unprepared("UPDATE action_event SET comment = 'Mangler ressurser' WHERE comment = 'Alt gikk bra'")
            .await
            .unwrap();
        assert!(history::verify(&db).await.unwrap().is_ok());
        db.execute_unprepared(&format!("DELETE FROM action_event WHERE id = {edited}")).await.unwrap();
        let broken = history::verify(&db).await.unwrap().expect_err("the deletion is found");
        assert!(broken.event_id > edited && broken.reason.contains("does not link"), "{broken:?}");
    }
}
