//! Database migrations for tiltak, run at start-up and by `tiltak migrate`.
//!
//! One file per change; every migration has a working `down`.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261123_000001_core;
mod m20261123_000002_action_suggested_unit;
mod m20261123_000003_arshjul;
mod m20261123_000004_frozen_report;
mod m20261123_000005_history_chain;
mod m20261123_000006_report_chain_head;
mod m20261124_000001_notification_digest;
mod m20261125_000001_web_sign_in;
mod m20261125_000002_unit_management;
mod m20261202_000001_archiving;
mod m20261202_000002_entra_sign_in;
mod m20261202_000003_organization_indexes;
mod m20261203_000001_credential_notifications;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core::Migration),
            Box::new(m20261123_000002_action_suggested_unit::Migration),
            Box::new(m20261123_000003_arshjul::Migration),
            Box::new(m20261123_000004_frozen_report::Migration),
            Box::new(m20261123_000005_history_chain::Migration),
            Box::new(m20261123_000006_report_chain_head::Migration),
            Box::new(m20261124_000001_notification_digest::Migration),
            Box::new(m20261125_000001_web_sign_in::Migration),
            Box::new(m20261125_000002_unit_management::Migration),
            Box::new(m20261202_000001_archiving::Migration),
            Box::new(m20261202_000002_entra_sign_in::Migration),
            Box::new(m20261202_000003_organization_indexes::Migration),
            Box::new(m20261203_000001_credential_notifications::Migration),
        ]
    }
}
