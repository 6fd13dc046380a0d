//! The årshjul: recorded job runs, evaluations, revision tasks, the email outbox with its
//! idempotency ledger, and secret calendar feeds.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index, set_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; `down` drops them in reverse.
const TABLES: &[&str] = &[
    "job_run",
    "evaluation",
    "revision",
    "notification",
    "notification_item",
    "calendar_feed",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per scheduled run of a job. The unique (job, scheduled_for) is the claim: of
        // several instances only one inserts it; a claim whose lease ran out may be taken over.
        manager
            .create_table(
                Table::create()
                    .table("job_run")
                    .col(pk_uuid("id"))
                    .col(string("job"))
                    .col(timestamp_with_time_zone("scheduled_for"))
                    .col(string("trigger"))
                    .col(string("instance"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .col(timestamp_with_time_zone("lease_until"))
                    .col(string("outcome"))
                    .col(text_null("detail"))
                    .col(integer("attempts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_job_run", "job_run", &["job", "scheduled_for"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("evaluation")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("plan_id"))
                    .col(uuid("action_id"))
                    .col(uuid_null("unit_id"))
                    .col(integer("year"))
                    .col(string("status"))
                    .col(date("opened_on"))
                    .col(date("due_on"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(uuid_null("submitted_by"))
                    .col(string_null("carried_out"))
                    .col(text_null("effect"))
                    .col(string_null("decision"))
                    .col(text_null("comment"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("evaluation", "organization_id", "organization"))
                    .foreign_key(&mut fk("evaluation", "plan_id", "plan"))
                    .foreign_key(&mut fk("evaluation", "action_id", "action"))
                    .foreign_key(&mut set_null("evaluation", "unit_id", "unit"))
                    .foreign_key(&mut set_null("evaluation", "submitted_by", "person"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_evaluation", "evaluation", &["action_id", "year"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("revision")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("plan_id"))
                    .col(uuid_null("unit_id"))
                    .col(date("due_on"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(uuid_null("completed_by"))
                    .col(text_null("comment"))
                    .foreign_key(&mut fk("revision", "organization_id", "organization"))
                    .foreign_key(&mut fk("revision", "plan_id", "plan"))
                    .foreign_key(&mut set_null("revision", "unit_id", "unit"))
                    .foreign_key(&mut set_null("revision", "completed_by", "person"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_revision", "revision", &["plan_id", "due_on"], true))
            .await?;

        // One row per email, rendered when enqueued, sent by the dispatcher.
        manager
            .create_table(
                Table::create()
                    .table("notification")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string("recipient"))
                    .col(string("reason"))
                    .col(string("subject"))
                    .col(text("body_text"))
                    .col(text("body_html"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(text_null("last_error"))
                    .col(uuid_null("job_run_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(&mut fk("notification", "organization_id", "organization"))
                    .foreign_key(&mut set_null("notification", "job_run_id", "job_run"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_notification_due",
                "notification",
                &["status", "next_attempt_at"],
                false,
            ))
            .await?;

        // The idempotency ledger: one row per (recipient, reason, item, period) ever enqueued.
        manager
            .create_table(
                Table::create()
                    .table("notification_item")
                    .col(string("idempotency_key").primary_key())
                    .col(uuid("notification_id"))
                    .foreign_key(&mut fk("notification_item", "notification_id", "notification"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("calendar_feed")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string_uniq("token_hash"))
                    .col(uuid_null("plan_id"))
                    .col(uuid_null("unit_id"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("calendar_feed", "organization_id", "organization"))
                    .foreign_key(&mut fk("calendar_feed", "plan_id", "plan"))
                    .foreign_key(&mut fk("calendar_feed", "unit_id", "unit"))
                    .foreign_key(&mut fk("calendar_feed", "created_by", "person"))
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
