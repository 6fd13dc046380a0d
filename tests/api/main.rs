//! Integration tests: the real application over HTTP and the real binary, on SQLite and
//! PostgreSQL.

mod helpers;
mod smtp_sink;
mod statements;

mod access;
mod actions;
mod archiving;
mod arshjul;
mod audit;
mod cli;
mod codes;
mod harness;
mod hostile;
mod imports;
mod limits;
mod mail_tls;
mod management;
mod operators;
mod outages;
mod persistence;
mod reports;
mod roles;
mod sso;
mod tenants;
mod token_cache;
mod web;
