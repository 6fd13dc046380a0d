//! Integration tests: the real application over HTTP and the real binary, on SQLite and
//! PostgreSQL.

mod helpers;

mod access;
mod actions;
mod cli;
mod imports;
mod persistence;
