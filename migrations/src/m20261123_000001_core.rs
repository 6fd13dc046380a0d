//! The service spine: organizations, units, people, teams, plans, chapters, actions,
//! the append-only action history and API tokens.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; `down` drops them in reverse.
const TABLES: &[&str] = &[
    "organization",
    "unit",
    "person",
    "team",
    "team_member",
    "team_unit",
    "plan",
    "chapter",
    "action",
    "action_contributor",
    "action_event",
    "api_token",
];

/// A column pointing at an organization: every row belongs to one.
fn org(table: &'static str) -> (ColumnDef, ForeignKeyCreateStatement) {
    (uuid("organization_id"), fk(table, "organization_id", "organization"))
}

fn created_at() -> ColumnDef {
    timestamp_with_time_zone("created_at")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organization")
                    .col(pk_uuid("id"))
                    .col(string("name"))
                    .col(created_at())
                    .to_owned(),
            )
            .await?;

        let (org_col, org_fk) = org("unit");
        manager
            .create_table(
                Table::create()
                    .table("unit")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(string("name"))
                    .col(string("leader_name"))
                    .col(string("leader_email"))
                    .col(created_at())
                    .foreign_key(&mut org_fk.clone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_unit_name", "unit", &["organization_id", "name"], true))
            .await?;

        let (org_col, org_fk) = org("person");
        manager
            .create_table(
                Table::create()
                    .table("person")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(string("name"))
                    .col(string("email"))
                    .col(string("role"))
                    .col(uuid_null("unit_id"))
                    .col(created_at())
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(
                        &mut fk("person", "unit_id", "unit")
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_person_email", "person", &["organization_id", "email"], true))
            .await?;

        let (org_col, org_fk) = org("team");
        manager
            .create_table(
                Table::create()
                    .table("team")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(string("name"))
                    .col(created_at())
                    .foreign_key(&mut org_fk.clone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_team_name", "team", &["organization_id", "name"], true))
            .await?;

        for (table, column, target) in [("team_member", "person_id", "person"), ("team_unit", "unit_id", "unit")] {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(uuid("team_id"))
                        .col(uuid(column))
                        .primary_key(Index::create().col("team_id").col(column))
                        .foreign_key(&mut fk(table, "team_id", "team"))
                        .foreign_key(&mut fk(table, column, target))
                        .to_owned(),
                )
                .await?;
        }

        let (org_col, org_fk) = org("plan");
        manager
            .create_table(
                Table::create()
                    .table("plan")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(string("title"))
                    .col(string_null("decision_ref"))
                    .col(date_null("adopted_on"))
                    .col(integer_null("period_start"))
                    .col(integer_null("period_end"))
                    .col(uuid_null("owner_unit_id"))
                    .col(string_null("evaluation_schedule"))
                    .col(string_null("revision_schedule"))
                    .col(created_at())
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(
                        &mut fk("plan", "owner_unit_id", "unit")
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;

        let (org_col, org_fk) = org("chapter");
        manager
            .create_table(
                Table::create()
                    .table("chapter")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(uuid("plan_id"))
                    .col(integer("number"))
                    .col(string("title"))
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(&mut fk("chapter", "plan_id", "plan"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_chapter_number", "chapter", &["plan_id", "number"], true))
            .await?;

        let (org_col, org_fk) = org("action");
        manager
            .create_table(
                Table::create()
                    .table("action")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(uuid("plan_id"))
                    .col(uuid("chapter_id"))
                    .col(integer("number"))
                    .col(string("title"))
                    .col(text("description"))
                    .col(uuid_null("responsible_unit_id"))
                    .col(date_null("deadline"))
                    .col(string("status"))
                    .col(integer("progress"))
                    .col(string_null("prevention_level"))
                    .col(json("tags"))
                    .col(string_null("decision_ref"))
                    .col(string("recurrence"))
                    .col(integer("version"))
                    .col(created_at())
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(&mut fk("action", "plan_id", "plan"))
                    .foreign_key(&mut fk("action", "chapter_id", "chapter"))
                    .foreign_key(
                        &mut fk("action", "responsible_unit_id", "unit")
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_action_number", "action", &["chapter_id", "number"], true))
            .await?;
        manager
            .create_index(index("ix_action_plan", "action", &["plan_id"], false))
            .await?;
        manager
            .create_index(index("ix_action_unit", "action", &["responsible_unit_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("action_contributor")
                    .col(uuid("action_id"))
                    .col(uuid("unit_id"))
                    .primary_key(Index::create().col("action_id").col("unit_id"))
                    .foreign_key(&mut fk("action_contributor", "action_id", "action"))
                    .foreign_key(&mut fk("action_contributor", "unit_id", "unit"))
                    .to_owned(),
            )
            .await?;

        let (org_col, org_fk) = org("action_event");
        manager
            .create_table(
                Table::create()
                    .table("action_event")
                    .col(big_pk_auto("id"))
                    .col(org_col)
                    .col(uuid("action_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("actor_id"))
                    .col(string("kind"))
                    .col(text_null("from_value"))
                    .col(text_null("to_value"))
                    .col(text_null("comment"))
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(&mut fk("action_event", "action_id", "action"))
                    .foreign_key(
                        &mut fk("action_event", "actor_id", "person")
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_action_event_action",
                "action_event",
                &["action_id", "id"],
                false,
            ))
            .await?;

        let (org_col, org_fk) = org("api_token");
        manager
            .create_table(
                Table::create()
                    .table("api_token")
                    .col(pk_uuid("id"))
                    .col(org_col)
                    .col(uuid("person_id"))
                    .col(string_uniq("token_hash"))
                    .col(created_at())
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(&mut org_fk.clone())
                    .foreign_key(&mut fk("api_token", "person_id", "person"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager.drop_table(Table::drop().table(*table).to_owned()).await?;
        }
        Ok(())
    }
}
