//! Units can be archived, and keep the names they had: reports of earlier years show a
//! renamed unit by its name then, and still find it. A plan can have a public page.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("unit")
                    .add_column(timestamp_with_time_zone_null("archived_at"))
                    .to_owned(),
            )
            .await?;
        // One row per rename: the name the unit had until `renamed_at`.
        manager
            .create_table(
                Table::create()
                    .table("unit_former_name")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("unit_id"))
                    .col(string("name"))
                    .col(timestamp_with_time_zone("renamed_at"))
                    .foreign_key(&mut fk("unit_former_name", "organization_id", "organization"))
                    .foreign_key(&mut fk("unit_former_name", "unit_id", "unit"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_unit_former_name_unit",
                "unit_former_name",
                &["unit_id"],
                false,
            ))
            .await?;
        // When an admin switched the plan's public page on; none: off.
        manager
            .alter_table(
                Table::alter()
                    .table("plan")
                    .add_column(timestamp_with_time_zone_null("public_since"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("plan").drop_column("public_since").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("unit_former_name").if_exists().to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("unit").drop_column("archived_at").to_owned())
            .await
    }
}
