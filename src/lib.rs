//! tiltak: follow-up of the numbered actions of council-adopted municipal plans.

pub mod app;
pub mod audit_key;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod entities;
pub mod error;
pub mod graphql;
#[cfg(test)]
mod habits;
pub mod http;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod report;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;

/// mimalloc instead of the system allocator, for every binary built on this crate (`tiltak`,
/// its tests and benches): a GraphQL answer is many small allocations, and glibc's malloc and
/// free took about a tenth of the CPU of the national benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
