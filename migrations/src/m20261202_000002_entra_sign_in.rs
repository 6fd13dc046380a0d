//! Sign-in with the municipality's Microsoft Entra ID (OpenID Connect): a person's stable
//! Entra object id (`oid`), and the sign-in flows under way (state, nonce, PKCE verifier), kept
//! in the database so that any instance can finish a flow another one started, and each is
//! used once.

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
                    .table("person")
                    .add_column(string_null("entra_oid"))
                    .to_owned(),
            )
            .await?;
        // One person per Entra object in an organization (NULLs, people without one, repeat).
        manager
            .create_index(index(
                "ux_person_entra_oid",
                "person",
                &["organization_id", "entra_oid"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("oidc_flow")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    // The configured provider (`sso.organizations.<key>`).
                    .col(string("provider"))
                    // SHA-256 of the `state` parameter; the browser holds the value in a cookie.
                    .col(string("state_hash"))
                    .col(string("nonce"))
                    .col(string("pkce_verifier"))
                    // Where the person goes after signing in (a path on this site).
                    .col(string("next_path"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk("oidc_flow", "organization_id", "organization"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_oidc_flow_state", "oidc_flow", &["state_hash"], true))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("oidc_flow").if_exists().to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("ux_person_entra_oid").table("person").to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("person").drop_column("entra_oid").to_owned())
            .await
    }
}
