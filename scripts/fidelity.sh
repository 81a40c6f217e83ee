#!/usr/bin/env bash
# Fidelity check: HubSpot's official Python client (PyPI hubspot-api-client) drives
# `crmsync simulate hubspot`; every call must succeed and parse. Creates its own venv.
# Usage: scripts/fidelity.sh [path/to/crmsync]   (default: builds target/debug/crmsync)
set -euo pipefail
cd "$(dirname "$0")/.."

readonly CLIENT_VERSION=12.0.0
venv=target/fidelity-venv
bin=${1:-}
if [[ -z $bin ]]; then
    cargo build --locked --quiet --bin crmsync
    bin=${CARGO_TARGET_DIR:-target}/debug/crmsync
fi

if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import hubspot" 2> /dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "hubspot-api-client==$CLIENT_VERSION"
fi

out=$(mktemp)
"$bin" simulate hubspot --port 0 > "$out" 2>&1 &
sim=$!
trap 'kill "$sim" 2> /dev/null || true; wait "$sim" 2> /dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out" | head -n 1 || true)
    [[ -n $url ]] && break
    sleep 0.05
done
[[ -n ${url:-} ]] || { echo "fidelity: the simulator did not start" >&2; cat "$out" >&2; exit 1; }
HUBSPOT_SIM_URL=$url "$venv/bin/python" tests/fidelity/hubspot_official_client.py
