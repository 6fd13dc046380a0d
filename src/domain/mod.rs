//! Types and rules of the follow-up domain. Nothing here knows about the database or GraphQL:
//! inputs are parsed into these types once, and services only see parsed values.

/// An enum stored and exchanged by a fixed code, with `code()`, `ALL`, `Display` (the code)
/// and `FromStr` (from the code). `Name as "noun"` makes a bad code's error list the valid
/// ones ("unknown job \"x\": the jobs are ..."). The entities store these as their code
/// (`entities::codes`).
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident $(as $noun:literal)? { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.code() == s)
                    .ok_or_else(|| $crate::domain::code_enum!(@unknown $name $($noun)?, s))
            }
        }
    };
    (@unknown $name:ident, $s:ident) => {
        format!("unknown {} {:?}", stringify!($name), $s)
    };
    (@unknown $name:ident $noun:literal, $s:ident) => {{
        let codes: Vec<&str> = $name::ALL.iter().map(|value| value.code()).collect();
        format!("unknown {} {:?}: the {}s are {}", $noun, $s, $noun, codes.join(", "))
    }};
}

pub(crate) use code_enum;

mod action_number;
mod calendar;
mod kinds;
mod role;
mod schedule;
mod status;
mod text;

pub use action_number::ActionNumber;
pub use calendar::{DATE_YEARS, OSLO, check_date, is_overdue, parse_date, today_in_oslo};
pub use kinds::{
    CarriedOut, EvaluationDecision, EvaluationStatus, EventKind, JobOutcome, NotificationStatus, PreventionLevel,
    Reason, Recurrence, RevisionStatus, Via,
};
pub use role::Role;
pub use schedule::CronSchedule;
pub use status::{Status, TransitionError, check_transition};
pub use text::{FieldError, optional_text, required_line, required_text, validate_email, validate_progress};
