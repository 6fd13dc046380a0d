//! Frozen yearly reports: the data presented to the council, stored with its SHA-256 hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("frozen_report")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("plan_id"))
                    .col(integer("year"))
                    .col(text("data"))
                    .col(string("hash"))
                    .col(uuid_null("frozen_by"))
                    .col(timestamp_with_time_zone("frozen_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("frozen_report", "organization_id")
                            .to("organization", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("frozen_report", "plan_id")
                            .to("plan", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("frozen_report", "frozen_by")
                            .to("person", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_frozen_report")
                    .table("frozen_report")
                    .col("plan_id")
                    .col("year")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("frozen_report").to_owned())
            .await
    }
}
