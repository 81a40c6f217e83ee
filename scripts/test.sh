#!/usr/bin/env bash
# The project's one test command (see README): formatting, lints, migration parity, then
# every test against SQLite and against a throwaway PostgreSQL cluster started for the run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --locked --all-targets -- -D warnings

step "migration parity"
scripts/check-migrations.sh

step "tests (SQLite and PostgreSQL)"
CRMSYNC_REQUIRE_POSTGRES=1 scripts/with-postgres.sh cargo test --locked
