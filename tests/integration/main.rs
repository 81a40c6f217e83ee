//! Integration tests: one binary, one module per feature. Each test gets a fresh database
//! (a temp SQLite file, or a new database on the throwaway PostgreSQL cluster that
//! `scripts/test.sh` starts) and an app on 127.0.0.1:0.

mod simulator;
mod support;

mod accounting_connect;
mod accounting_sync;
mod accounting_sync_links;
mod adminpulse_client;
mod bulk_updates;
mod change_capture;
mod contact_ops;
mod control_api;
mod daemon;
mod hubspot_client;
mod hubspot_connect;
mod imports;
mod notice;
mod records;
mod store;
mod sync_api;
mod sync_crash;
mod sync_env;
mod sync_flow;
mod sync_rules;
mod syneton_client;
