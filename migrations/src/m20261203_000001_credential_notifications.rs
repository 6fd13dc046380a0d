//! PostgreSQL tells every instance when a credential changes, so each can keep a short cache
//! of bearer tokens (`services::auth::cache`): a statement that revokes or changes a token,
//! or changes or removes a person, notifies channel `tiltak_credentials` when it commits,
//! whoever wrote it (the CLI, another instance, an operator's psql). SQLite has no such
//! channel, so there tokens are not cached and nothing is made.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE FUNCTION tiltak_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tiltak_credentials', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER api_token_credentials_changed
    AFTER UPDATE OF revoked_at, expires_at, token_hash, person_id, organization_id OR DELETE OR TRUNCATE
    ON api_token FOR EACH STATEMENT EXECUTE FUNCTION tiltak_credentials_changed();
CREATE TRIGGER person_credentials_changed
    AFTER UPDATE OR DELETE OR TRUNCATE
    ON person FOR EACH STATEMENT EXECUTE FUNCTION tiltak_credentials_changed();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS person_credentials_changed ON person;
DROP TRIGGER IF EXISTS api_token_credentials_changed ON api_token;
DROP FUNCTION IF EXISTS tiltak_credentials_changed();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(DOWN).await?;
        }
        Ok(())
    }
}
