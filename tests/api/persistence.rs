use migration::{Migrator, MigratorTrait};
use serde_json::json;

use crate::on_both_databases;

on_both_databases! {
    async fn changes_survive_a_restart(app: TestApp) {
        let f = app.fixture().await;
        app.ok(
            "mutation($id: ID!) { updateActionStatus(input: {actionId: $id, status: DELAYED, comment: \"Sykefravær\"}) { status } }",
            json!({ "id": f.action_id }),
        )
        .await;
        let app = app.restart().await;
        let action = app.action(&f.action_id).await;
        assert_eq!(action["status"], "DELAYED");
        assert_eq!(action["history"][1]["comment"], "Sykefravær");
    }

    async fn migrations_roll_back_and_apply_again(app: TestApp) {
        let db = app.db().await;
        let applied = Migrator::get_applied_migrations(&db).await.unwrap().len();
        assert!(applied >= 1);
        Migrator::down(&db, None).await.expect("every migration has a working down");
        assert_eq!(Migrator::get_applied_migrations(&db).await.unwrap().len(), 0);
        Migrator::up(&db, None).await.expect("and applies again");
        assert_eq!(Migrator::get_applied_migrations(&db).await.unwrap().len(), applied);
    }
}
