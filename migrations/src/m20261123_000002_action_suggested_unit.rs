//! A responsible unit suggested by an import, for a coordinator to confirm.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key: SQLite cannot add one to an existing table. A suggestion pointing at
        // a deleted unit is simply not shown.
        manager
            .alter_table(
                Table::alter()
                    .table("action")
                    .add_column(uuid_null("suggested_unit_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("action")
                    .drop_column("suggested_unit_id")
                    .to_owned(),
            )
            .await
    }
}
