//! Every per-organization query by index. With many municipalities in one deployment, the
//! tables read "all of this organization's rows" (the reminder and digest jobs, unfiltered
//! lists, the outbox page) were scanned whole: on 64k actions a sequential scan of ~40 ms per
//! organization and query. Unit, person, team and the history already lead with
//! organization_id in an index of their own.

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns): the organization first, then what its queries sort or filter by.
const INDEXES: [(&str, &str, &[&str]); 14] = [
    ("ix_plan_org", "plan", &["organization_id"]),
    ("ix_chapter_org", "chapter", &["organization_id"]),
    ("ix_action_org", "action", &["organization_id"]),
    ("ix_evaluation_org", "evaluation", &["organization_id", "year"]),
    ("ix_revision_org", "revision", &["organization_id", "due_on"]),
    (
        "ix_notification_org",
        "notification",
        &["organization_id", "created_at"],
    ),
    ("ix_api_token_org", "api_token", &["organization_id"]),
    ("ix_calendar_feed_org", "calendar_feed", &["organization_id"]),
    ("ix_unit_former_name_org", "unit_former_name", &["organization_id"]),
    ("ix_action_link_org", "action_link", &["organization_id"]),
    ("ix_frozen_report_org", "frozen_report", &["organization_id"]),
    ("ix_sign_in_link_org", "sign_in_link", &["organization_id"]),
    ("ix_web_session_org", "web_session", &["organization_id"]),
    ("ix_oidc_flow_org", "oidc_flow", &["organization_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let table: &'static str = table;
            let columns: Vec<&'static str> = columns.to_vec();
            manager.create_index(index(name, table, &columns, false)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES.iter().rev() {
            manager
                .drop_index(Index::drop().name(*name).table(*table).to_owned())
                .await?;
        }
        Ok(())
    }
}
