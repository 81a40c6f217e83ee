#!/usr/bin/env bash
# The project's one test command (see README): formatting, lints, migration parity, then
# every test against SQLite and against a throwaway PostgreSQL cluster started for the run,
# then HubSpot's official Python client against the HubSpot simulator.
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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
CRMSYNC_REQUIRE_POSTGRES=1 scripts/with-postgres.sh cargo test --locked --lib --bins --tests 2>&1 | tee "$log" || status=$?

step "fidelity (HubSpot's official Python client against the simulator)"
scripts/fidelity.sh 2>&1 | tee -a "$log" || status=$?

# One closing line over every runner (cargo prints one per test binary).
awk '/^test result:/ || /^[0-9]+ passed, [0-9]+ failed$/ {
         for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed[;,]?$/) p += $(i-1); if ($(i) ~ /^failed[;,]?$/) f += $(i-1) } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
