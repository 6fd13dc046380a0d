//! What every request and job shares.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use crate::{config::Settings, domain::today_in_oslo};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// Today's date in Norway, for deadlines.
    pub fn today(&self) -> NaiveDate {
        today_in_oslo(self.now())
    }
}
