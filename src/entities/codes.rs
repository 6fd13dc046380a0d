//! The domain's code enums as column values. Each is stored as its code in a text column (the
//! columns stay as the migrations made them) and read back through its `FromStr`, so a stored
//! code that is not one of the enum's fails where the row is read: an internal error, never a
//! default.
//!
//! sea-orm's `DeriveValueType` (with `value_type = "String"`) would write these same impls, but
//! only as a derive on the enum itself, which would put the database into `domain`; written
//! once here instead, for every code enum the entities hold.

use std::sync::Arc;

use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
};

use crate::{
    domain::{
        CarriedOut, EvaluationDecision, EvaluationStatus, EventKind, JobOutcome, NotificationStatus, PreventionLevel,
        Reason, Recurrence, RevisionStatus, Role, Status, Via,
    },
    jobs::{Job, Trigger},
};

/// A stored code that is none of its enum's.
#[derive(Debug, thiserror::Error)]
#[error("stored value: {0}")]
pub struct UnknownCode(String);

macro_rules! stored_as_code {
    ($($ty:ident),+ $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                Value::String(Some(value.code().to_owned()))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                String::try_get_by(res, idx)?.parse().map_err(|e: String| {
                    TryGetError::DbErr(DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: Arc::new(UnknownCode(e)),
                    })
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                <String as ValueType>::try_from(value)?.parse().map_err(|_| ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::sea_query::postgres_array::NotU8 for $ty {}
    )+};
}

stored_as_code!(
    CarriedOut,
    EvaluationDecision,
    EvaluationStatus,
    EventKind,
    JobOutcome,
    NotificationStatus,
    PreventionLevel,
    Reason,
    Recurrence,
    RevisionStatus,
    Role,
    Status,
    Via,
    Job,
    Trigger,
);
