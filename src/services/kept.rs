//! The hot statements' text, built by sea-query once per backend and shape and then kept.
//!
//! Building a select with sea-query (a select expression for every column of every joined
//! table, each alias formatted, each identifier quoted as it is written out) cost a dashboard,
//! a history or a list of actions more than its SQL's own round trip took in tiltak: under
//! callgrind, about a third of the instructions of an overdue list's request. Here the
//! statement is built once with a marker in place of each value; the text is kept with, for
//! each of its placeholders, which value goes there (or the constant sea-query put there),
//! and a later call only puts its values in.
//!
//! A key names one statement text: it must tell apart everything that changes the text
//! (which conditions are there, how many values an `IN` holds), never the values. Debug
//! builds (so every test) build the statement again with the real values and fail when the
//! kept one differs, so a key that misses a difference cannot pass the tests.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, RwLock},
};

use chrono::NaiveDate;
use sea_orm::{DbBackend, Statement, Value, Values, sea_query::SelectStatement};
use uuid::Uuid;

/// Which statement text: a name for the place that builds it, and its shape there.
pub(crate) type Key = (&'static str, u64);

/// What goes in one placeholder: the call's value with this index, or a constant of the text.
#[derive(Debug)]
enum Slot {
    Given(usize),
    Constant(Value),
}

type Text = Arc<(String, Vec<Slot>)>;

/// By backend (its name) and key.
static TEXTS: LazyLock<RwLock<HashMap<(&'static str, Key), Text>>> = LazyLock::new(Default::default);

fn name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// The statement `build` makes with `values`, for `backend`. `build` receives the values to
/// use (markers, the first time for this backend and key) and must use each where the real
/// one belongs, and nothing else of them.
pub(crate) fn statement(
    backend: DbBackend,
    key: Key,
    values: Vec<Value>,
    build: impl Fn(&[Value]) -> SelectStatement,
) -> Statement {
    let found = TEXTS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(name(backend), key))
        .cloned();
    let text = match found {
        Some(text) => text,
        None => {
            let markers: Vec<Value> = values.iter().enumerate().map(|(i, v)| marker(i, v)).collect();
            let built = backend.build(&build(&markers));
            let slots = built
                .values
                .map_or(Vec::new(), |values| values.0)
                .into_iter()
                .map(|value| match markers.iter().position(|m| *m == value) {
                    Some(i) => Slot::Given(i),
                    None => Slot::Constant(value),
                })
                .collect();
            let text = Arc::new((built.sql, slots));
            TEXTS
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert((name(backend), key), text.clone());
            text
        }
    };
    let (sql, slots) = &*text;
    let filled: Vec<Value> = slots
        .iter()
        .map(|slot| match slot {
            Slot::Given(i) => values[*i].clone(),
            Slot::Constant(value) => value.clone(),
        })
        .collect();
    if cfg!(debug_assertions) {
        let fresh = backend.build(&build(&values));
        assert_eq!(
            (sql, &filled),
            (&fresh.sql, &fresh.values.map_or(Vec::new(), |values| values.0)),
            "the statement kept under {key:?} is not the one built with these values: its key must \
             tell apart every shape of it"
        );
    }
    Statement::from_sql_and_values(backend, sql.clone(), Values(filled))
}

/// A value of the same type as `value`, that no statement holds as a constant: its place in
/// the text tells where the `i`th value goes.
fn marker(i: usize, value: &Value) -> Value {
    const SEED: u128 = 0x7117_a4ed_0000_0000_0000_0000_0000_0000;
    match value {
        Value::Uuid(_) => Value::Uuid(Some(Uuid::from_u128(SEED + i as u128))),
        Value::String(_) => Value::String(Some(format!("\u{0}tiltak-kept-{i}"))),
        // Dates near the start of the era: no plan's deadline.
        Value::ChronoDate(_) => Value::ChronoDate(NaiveDate::from_num_days_from_ce_opt(1 + i as i32)),
        Value::Int(_) => Value::Int(Some(i32::MIN + i as i32)),
        Value::BigInt(_) => Value::BigInt(Some(i64::MIN + i as i64)),
        other => panic!("kept::statement has no marker for {other:?}; add one"),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

    use super::*;
    use crate::entities::action;

    fn actions(values: &[Value], with_unit: bool) -> SelectStatement {
        let mut query = action::Entity::find()
            .filter(action::Column::OrganizationId.eq(values[0].clone()))
            .filter(action::Column::Status.is_in(["IN_PROGRESS", "DELAYED"]));
        if with_unit {
            query = query.filter(action::Column::ResponsibleUnitId.eq(values[1].clone()));
        }
        query.into_query()
    }

    #[test]
    fn a_kept_text_takes_each_calls_values_and_keeps_its_constants() {
        let (org, unit) = (Uuid::new_v4(), Uuid::new_v4());
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            for _ in 0..2 {
                let made = statement(backend, ("kept::tests", 1), vec![org.into(), unit.into()], |v| {
                    actions(v, true)
                });
                let values = made.values.expect("values").0;
                assert_eq!(
                    values,
                    vec![
                        org.into(),
                        Value::from("IN_PROGRESS"),
                        Value::from("DELAYED"),
                        unit.into()
                    ]
                );
                assert!(made.sql.contains("responsible_unit_id"), "{}", made.sql);
            }
        }
    }

    #[test]
    #[should_panic(expected = "its key must tell apart every shape")]
    fn a_key_that_misses_a_shape_fails_in_debug_builds() {
        let (org, unit) = (Uuid::new_v4(), Uuid::new_v4());
        let key = ("kept::tests", 2);
        statement(DbBackend::Sqlite, key, vec![org.into(), unit.into()], |v| {
            actions(v, false)
        });
        statement(DbBackend::Sqlite, key, vec![org.into(), unit.into()], |v| {
            actions(v, true)
        });
    }
}
