//! crmsync: a self-hosted daemon that keeps a local SQL store in sync with HubSpot, imports
//! clients from AdminPulse and Syneton, and imports CSV/Excel files.
//!
//! `main.rs` only parses the command line; everything else lives here so that tests drive the
//! same code as the binary.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connectors;
pub mod control;
pub mod domain;
pub mod import;
pub mod mapping;
pub mod scheduler;
pub mod secrets;
pub mod shutdown;
pub mod simulate;
pub mod store;
pub mod sync;
pub mod telemetry;

/// The allocator of every binary built on this crate (the daemon, its tests and benches),
/// so that they measure what ships. Why not the system's: an import allocates a few short
/// strings per cell, and glibc's malloc and free took about a quarter of a dry run's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
