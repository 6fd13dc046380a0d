//! The time source. Services never call `Utc::now()` themselves: they ask the clock, so tests
//! can run a year of the årshjul in milliseconds.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The wall clock.
    #[default]
    System,
    /// A clock that stands still until set or advanced.
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *at.lock().expect("clock lock"),
        }
    }

    /// Sets a manual clock; the system clock cannot be set.
    pub fn set(&self, to: DateTime<Utc>) {
        match self {
            Clock::System => panic!("the system clock cannot be set"),
            Clock::Manual(at) => *at.lock().expect("clock lock") = to,
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}
