//! Sign-in for the web pages: one-time sign-in links, sessions, and the per-action links in
//! reminder emails; and `action_event.via`, which notes a change made through such a link.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; `down` drops them in reverse.
const TABLES: &[&str] = &["sign_in_link", "web_session", "action_link"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A link sent by email that signs a person in once; only its hash is stored.
        manager
            .create_table(
                Table::create()
                    .table("sign_in_link")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("person_id"))
                    .col(string("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk("sign_in_link", "organization_id", "organization"))
                    .foreign_key(&mut fk("sign_in_link", "person_id", "person"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_sign_in_link_hash", "sign_in_link", &["token_hash"], true))
            .await?;
        // A signed-in browser: the cookie holds the secret, the row its hash.
        manager
            .create_table(
                Table::create()
                    .table("web_session")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("person_id"))
                    .col(string("token_hash"))
                    .col(string("method"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("web_session", "organization_id", "organization"))
                    .foreign_key(&mut fk("web_session", "person_id", "person"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_web_session_hash", "web_session", &["token_hash"], true))
            .await?;
        // A reminder email's link to update one action, for one recipient.
        manager
            .create_table(
                Table::create()
                    .table("action_link")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("action_id"))
                    .col(string("recipient_email"))
                    .col(string("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("action_link", "organization_id", "organization"))
                    .foreign_key(&mut fk("action_link", "action_id", "action"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_action_link_hash", "action_link", &["token_hash"], true))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("action_event")
                    .add_column(string_null("via"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("action_event").drop_column("via").to_owned())
            .await?;
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
