#!/usr/bin/env bash
# Both backends must carry the same migration versions (house style §2.5).
set -euo pipefail
cd "$(dirname "$0")/.."
versions() { find "migrations/$1" -name '*.sql' -printf '%f\n' | sed 's/_.*//' | sort; }
if ! diff <(versions sqlite) <(versions postgres); then
    echo "migrations/sqlite and migrations/postgres have different versions" >&2
    exit 1
fi
echo "migration versions match: $(versions sqlite | tr '\n' ' ')"
