//! Reading the rows of a hot join by column position. sea-orm reads a model by name: for a
//! joined table it formats every prefixed column name (`format!("{pre}{col}")`) and looks it
//! up, and builds a message for every NULL it meets, on every row. On the national benchmark
//! that was the largest cost of a dashboard left in tiltak. Here a statement's first row tells
//! where each table's columns start, checked against the model's own column list, and every
//! row is then read by position.

use std::marker::PhantomData;

use sea_orm::{EntityTrait, PrimaryKeyTrait, QueryResult, TryGetError};

use crate::{
    entities::{action, action_event, chapter, unit},
    error::{AppError, AppResult},
};

/// A model read from consecutive columns of a row.
pub(crate) trait ByPosition: Sized {
    /// Its columns, in the order they are selected (the entity's column order).
    fn columns() -> &'static [&'static str];

    /// Whether the row has none at `at`: the left join found nothing, so its primary key,
    /// the first column, is NULL.
    fn absent(row: &QueryResult, at: usize) -> bool;

    /// The model in the columns from `at` on.
    fn read(row: &QueryResult, at: usize) -> Result<Self, TryGetError>;
}

/// Implements `ByPosition` for an entity's model from its fields, listed in column order, each
/// field that may be NULL marked `: nullable`; `columns_follow_fields` below checks the order,
/// and the compiler the marks (a marked field is an `Option`).
macro_rules! by_position {
    ($entity:ident { $($field:ident $(: $nullable:ident)?),+ $(,)? }) => {
        impl ByPosition for $entity::Model {
            fn columns() -> &'static [&'static str] {
                &[$(stringify!($field)),+]
            }

            fn absent(row: &QueryResult, at: usize) -> bool {
                type Key = <<$entity::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType;
                is_null(row, at).unwrap_or_else(|| matches!(row.try_get_by_index::<Option<Key>>(at), Ok(None)))
            }

            fn read(row: &QueryResult, at: usize) -> Result<Self, TryGetError> {
                let mut column = at;
                let mut next = || {
                    column += 1;
                    column - 1
                };
                // A struct's fields are evaluated in the order written: the columns' order.
                Ok($entity::Model {
                    $($field: column!(row, next() $(, $nullable)?)),+
                })
            }
        }
    };
}

/// One column's value; a NULL of a `nullable` column is known from the row, before sea-orm's
/// reader would format an error message for it that its `Option` then drops (70 a history,
/// several an action of a dashboard).
macro_rules! column {
    ($row:ident, $at:expr) => {
        $row.try_get_by_index_nullable($at)?
    };
    ($row:ident, $at:expr, nullable) => {{
        let at = $at;
        if is_null($row, at) == Some(true) {
            None
        } else {
            $row.try_get_by_index_nullable(at)?
        }
    }};
}

/// Whether the value at `index` is NULL, asked of the database's row itself; `None` for a
/// backend this does not know.
fn is_null(row: &QueryResult, index: usize) -> Option<bool> {
    use sea_orm::sqlx::{Row, ValueRef};
    if let Some(row) = row.try_as_pg_row() {
        Some(row.try_get_raw(index).is_ok_and(|value| value.is_null()))
    } else {
        row.try_as_sqlite_row()
            .map(|row| row.try_get_raw(index).is_ok_and(|value| value.is_null()))
    }
}

by_position!(chapter {
    id,
    organization_id,
    plan_id,
    number,
    title,
    archived_at: nullable,
});
by_position!(unit {
    id,
    organization_id,
    name,
    leader_name,
    leader_email,
    created_at,
    archived_at: nullable,
});
by_position!(action {
    id,
    organization_id,
    plan_id,
    chapter_id,
    number,
    title,
    description,
    responsible_unit_id: nullable,
    suggested_unit_id: nullable,
    deadline: nullable,
    status,
    progress,
    prevention_level: nullable,
    tags,
    decision_ref: nullable,
    recurrence,
    version,
    created_at,
    updated_at,
    archived_at: nullable,
});
by_position!(action_event {
    id,
    organization_id,
    action_id,
    at,
    actor_id: nullable,
    kind,
    from_value: nullable,
    to_value: nullable,
    comment: nullable,
    prev_hash: nullable,
    hash: nullable,
    via: nullable,
});

/// The names of a row's columns, borrowed from the row (sea-orm's `column_names` copies each).
fn column_names(row: &QueryResult) -> Vec<&str> {
    use sea_orm::sqlx::{Column, Row};
    if let Some(row) = row.try_as_pg_row() {
        row.columns().iter().map(|c| c.name()).collect()
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.columns().iter().map(|c| c.name()).collect()
    } else {
        Vec::new()
    }
}

/// Where one joined table's columns (of model `M`) start in a statement's rows.
pub(crate) struct At<M> {
    start: usize,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for At<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for At<M> {}

impl<M: ByPosition> At<M> {
    /// The position of the columns of `M` under `prefix` (sea-orm's `JOINED`), found by name
    /// in `row` (any row of the statement), with every column of `M` checked to follow in
    /// order.
    pub(crate) fn of(row: &QueryResult, prefix: &str) -> AppResult<Self> {
        let names = column_names(row);
        let columns = M::columns();
        let named = |name: &str, column: &str| name.strip_prefix(prefix) == Some(column);
        names
            .iter()
            .position(|name| named(name, columns[0]))
            .filter(|&start| {
                names
                    .get(start..start + columns.len())
                    .is_some_and(|here| here.iter().zip(columns).all(|(name, column)| named(name, column)))
            })
            .map(|start| At {
                start,
                model: PhantomData,
            })
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "the columns {columns:?} under {prefix:?} are not in this order in the statement's {names:?}"
                ))
            })
    }

    /// The id (the first column) at this position in `row`, if there is a row.
    pub(crate) fn key(self, row: &QueryResult) -> AppResult<Option<uuid::Uuid>> {
        Ok(row.try_get_by_index::<Option<uuid::Uuid>>(self.start)?)
    }

    /// The model at this position in `row`; `None` when the row has none (the left join
    /// found nothing, so its primary key is NULL). A row that is there but does not decode (a
    /// status this version does not know) is an error, never left out.
    pub(crate) fn read(self, row: &QueryResult) -> AppResult<Option<M>> {
        if M::absent(row, self.start) {
            return Ok(None);
        }
        M::read(row, self.start).map(Some).map_err(|err| match err {
            TryGetError::DbErr(err) => err.into(),
            TryGetError::Null(column) => AppError::Internal(anyhow::anyhow!("column {column} is NULL")),
        })
    }

    /// The model at this position, which every row of the statement has (an inner join).
    pub(crate) fn required(self, row: &QueryResult) -> AppResult<M> {
        self.read(row)?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a joined row without its primary key")))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    use super::*;

    /// The column names of `E`, as sea-orm selects them.
    fn entity_columns<E: EntityTrait>() -> Vec<String> {
        E::Column::iter().map(|c| c.as_str().to_owned()).collect()
    }

    #[test]
    fn columns_follow_fields() {
        fn same<E: EntityTrait>()
        where
            E::Model: ByPosition,
        {
            assert_eq!(
                E::Model::columns().to_vec(),
                entity_columns::<E>(),
                "{}",
                std::any::type_name::<E>()
            );
        }
        same::<chapter::Entity>();
        same::<unit::Entity>();
        same::<action::Entity>();
        same::<action_event::Entity>();
    }
}
