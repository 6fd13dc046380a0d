//! The tamper-evident history: each event gets the hash of its organization's previous event
//! and its own hash. Events written before this migration are sealed here, in order.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, FromQueryResult, Statement},
};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(FromQueryResult)]
struct Event {
    id: i64,
    organization_id: uuid::Uuid,
    action_id: uuid::Uuid,
    at: chrono::DateTime<chrono::Utc>,
    actor_id: Option<uuid::Uuid>,
    kind: String,
    from_value: Option<String>,
    to_value: Option<String>,
    comment: Option<String>,
}

/// Must equal `tiltak::services::history::event_hash`; the audit test checks sealed events.
fn event_hash(prev: &str, e: &Event) -> String {
    let content = serde_json::json!([
        prev,
        e.organization_id,
        e.action_id,
        e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        e.actor_id,
        e.kind,
        e.from_value,
        e.to_value,
        e.comment
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["prev_hash", "hash"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("action_event")
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let events = Event::find_by_statement(Statement::from_string(
            backend,
            "SELECT id, organization_id, action_id, at, actor_id, kind, from_value, to_value, comment \
             FROM action_event ORDER BY organization_id, id",
        ))
        .all(db)
        .await?;
        let mut prev: Option<(uuid::Uuid, String)> = None;
        for event in events {
            let link = match &prev {
                Some((org, hash)) if *org == event.organization_id => hash.clone(),
                _ => GENESIS.to_owned(),
            };
            let hash = event_hash(&link, &event);
            let update = Query::update()
                .table("action_event")
                .value(Alias::new("prev_hash"), link)
                .value(Alias::new("hash"), hash.clone())
                .and_where(Expr::col("id").eq(event.id))
                .to_owned();
            db.execute(&update).await?;
            prev = Some((event.organization_id, hash));
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["hash", "prev_hash"] {
            manager
                .alter_table(Table::alter().table("action_event").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
