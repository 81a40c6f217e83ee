#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 cluster on loopback:
#
#   scripts/with-postgres.sh cargo test --locked
#
# The command sees TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/crmsync_test (trust
# authentication, loopback only); tests create their own databases from it. The cluster and
# its files are removed when the script exits, however it exits, and the command's exit
# status is the script's. As root, the server runs as the `postgres` user (or a system user
# `crmsync-test` created for it), since PostgreSQL refuses to run as root; when no server
# binaries are found, root installs them with apt-get.
set -euo pipefail

readonly DB_NAME=crmsync_test
readonly TEST_USER=crmsync-test

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 2
}

[[ $# -gt 0 ]] || die "usage: $0 COMMAND [ARG]..."

# Sets BINDIR to a directory holding initdb, pg_ctl and postgres.
find_server() {
    local dir candidates=()
    if command -v pg_config > /dev/null 2>&1; then
        candidates+=("$(pg_config --bindir 2> /dev/null || true)")
    fi
    candidates+=(/usr/lib/postgresql/15/bin)
    if command -v initdb > /dev/null 2>&1; then
        # Through symlinks: initdb finds `postgres` beside its real path.
        candidates+=("$(dirname "$(readlink -f "$(command -v initdb)")")")
    fi
    for dir in "${candidates[@]}"; do
        if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
            BINDIR=$dir
            return 0
        fi
    done
    return 1
}

install_server() {
    log "no PostgreSQL server found: installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian's packages would create and start a default cluster on port 5432; none is needed.
    apt-get install -y -qq --no-install-recommends postgresql-common > /dev/null
    sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf
    apt-get install -y -qq --no-install-recommends postgresql-15 > /dev/null ||
        apt-get install -y -qq --no-install-recommends postgresql > /dev/null
}

if ! find_server; then
    if [[ $EUID -eq 0 ]] && command -v apt-get > /dev/null 2>&1; then
        install_server
        find_server || die "PostgreSQL was installed but initdb/pg_ctl are still not found"
    else
        die "PostgreSQL server binaries not found (tried pg_config --bindir," \
            "/usr/lib/postgresql/15/bin, PATH); install postgresql-15"
    fi
fi

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    if command -v python3 > /dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 40000))
        if command -v ss > /dev/null 2>&1; then
            [[ -z $(ss -Hltn "sport = :$port") ]] && { echo "$port"; return; }
        elif ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

# As root the server and its tools run as an unprivileged user, who must own the files;
# /tmp because root's TMPDIR may not be reachable by that user.
if [[ $EUID -eq 0 ]]; then
    if id -u postgres > /dev/null 2>&1; then
        RUN_USER=postgres
    else
        RUN_USER=$TEST_USER
        if ! id -u "$RUN_USER" > /dev/null 2>&1; then
            # A concurrent run may create it first.
            useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER" ||
                id -u "$RUN_USER" > /dev/null
        fi
    fi
    TMP=$(mktemp -d /tmp/crmsync-pg.XXXXXX)
    chown "$RUN_USER": "$TMP"
    as_server() { (cd "$TMP" && runuser -u "$RUN_USER" -- "$@"); }
else
    RUN_USER=$(id -un)
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/crmsync-pg.XXXXXX")
    as_server() { (cd "$TMP" && "$@"); }
fi
DATA=$TMP/data
LOGFILE=$TMP/server.log

# shellcheck disable=SC2329 # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT
    if [[ -f $DATA/postmaster.pid ]]; then
        if ! as_server "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w -t 20 stop > /dev/null 2>&1; then
            # Only the postmaster this script started, by its pid.
            kill -KILL "$(head -n 1 "$DATA/postmaster.pid")" 2> /dev/null || true
        fi
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# C.UTF-8 keeps sorting deterministic while lower()/ILIKE still handle accented letters.
locale_opt=--no-locale
if locale -a 2> /dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_opt=--locale=C.UTF-8
fi
if ! as_server "$BINDIR/initdb" -D "$DATA" -A trust -U postgres --no-sync -E UTF8 \
    "$locale_opt" > "$TMP/initdb.log" 2>&1; then
    cat "$TMP/initdb.log" >&2
    die "initdb failed"
fi

# Another process may take the chosen port before the server binds it: then try another.
for attempt in 1 2 3; do
    PORT=$(free_port)
    if as_server "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 -o "-c listen_addresses=127.0.0.1 \
-p $PORT -k '$TMP' -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c max_connections=200" start > /dev/null; then
        break
    fi
    if [[ $attempt -eq 3 || -f $DATA/postmaster.pid ]]; then
        tail -n 20 "$LOGFILE" >&2 || true
        die "the PostgreSQL server did not start"
    fi
done

client() {
    local tool=$1
    shift
    if [[ -x $BINDIR/$tool ]]; then "$BINDIR/$tool" "$@"; else "$tool" "$@"; fi
}
client createdb -h 127.0.0.1 -p "$PORT" -U postgres "$DB_NAME"

export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/$DB_NAME"
version=$("$BINDIR/postgres" --version)
version=${version#postgres (PostgreSQL) }
log "PostgreSQL ${version%% *} on 127.0.0.1:$PORT, data in $DATA, run by $RUN_USER;" \
    "TEST_POSTGRES_URL=$TEST_POSTGRES_URL"

status=0
"$@" || status=$?
exit "$status"
