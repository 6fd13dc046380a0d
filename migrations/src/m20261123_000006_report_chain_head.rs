//! Frozen reports record the head of the history chain they were built on (the event count
//! and the last event's hash, sealed with the audit key), so deleting the newest events or
//! rebuilding the chain afterwards is found. Verification pages through each organization's
//! events in id order, which the index on (organization_id, id) serves.
//!
//! Reports frozen before this migration get no head: nobody knows which events existed then.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_action_event_organization";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            big_integer_null("chain_events"),
            string_null("chain_head"),
            string_null("chain_seal"),
        ] {
            manager
                .alter_table(Table::alter().table("frozen_report").add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("action_event")
                    .col("organization_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table("action_event").to_owned())
            .await?;
        for column in ["chain_seal", "chain_head", "chain_events"] {
            manager
                .alter_table(Table::alter().table("frozen_report").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
