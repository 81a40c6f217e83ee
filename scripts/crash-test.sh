#!/usr/bin/env bash
# The sync engine's crash test at scale: `crmsync sync --once` killed with SIGKILL at 100
# random moments of a sync of 2,000 companies and 6,000 contacts (plus 50 local companies,
# each with a contact and a deal, to be created in HubSpot exactly once), on SQLite and on
# a throwaway PostgreSQL. Passes when the store and the simulated portal end exactly as
# after one uninterrupted sync. CI runs the same test with its small defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
export CRASH_KILLS="${CRASH_KILLS:-100}" CRASH_COMPANIES="${CRASH_COMPANIES:-2000}" \
  CRASH_CONTACTS="${CRASH_CONTACTS:-6000}" CRASH_LOCAL="${CRASH_LOCAL:-50}" CRMSYNC_REQUIRE_POSTGRES=1
exec scripts/with-postgres.sh cargo test --locked --test integration sync_crash -- --nocapture
