#!/usr/bin/env bash
# Start-up and idle-memory benchmark of `crmsync run` (release build) on SQLite and, when
# TEST_POSTGRES_URL is set (scripts/with-postgres.sh does that), on PostgreSQL.
# Prints a table: time from exec to the first /readyz 200 (fresh and existing database) and
# RSS after the daemon has idled. Usage: scripts/bench-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build --release --quiet
bin=target/release/crmsync
exec python3 - "$bin" "$runs" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time, urllib.request

binary, runs = sys.argv[1], int(sys.argv[2])

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=0.5) as r:
            return r.status == 200
    except Exception:
        return False

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def one_run(url, workdir, idle_s=0.0):
    port = free_port()
    cfg = os.path.join(workdir, "c.toml")
    with open(cfg, "w") as f:
        f.write(f'[database]\nurl = "{url}"\n[control]\nlisten = "127.0.0.1:{port}"\n'
                f'[secrets]\nkey_file = "{workdir}/secret.key"\n')
    env = dict(os.environ, RUST_LOG="warn")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "run", "--config", cfg], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not ready(port):
        if p.poll() is not None:
            raise SystemExit(f"daemon exited with {p.returncode}")
        time.sleep(0.002)
    ms = (time.perf_counter() - t0) * 1000
    rss = 0
    if idle_s:
        time.sleep(idle_s)
        rss = rss_kib(p.pid)
    p.terminate(); p.wait(timeout=10)
    return ms, rss

def bench(label, make_url):
    fresh, warm = [], []
    with tempfile.TemporaryDirectory() as d:
        for i in range(runs):
            url = make_url(d, i)
            fresh.append(one_run(url, d)[0])
            warm.append(one_run(url, d)[0])
        _, rss = one_run(make_url(d, "idle"), d, idle_s=3.0)
    print(f"| {label:<10} | {statistics.median(fresh):>8.1f} | {max(fresh):>8.1f} | {statistics.median(warm):>8.1f} | {max(warm):>8.1f} | {rss/1024:>8.1f} |")

print(f"crmsync start-up, {runs} runs each (ms from exec to first /readyz 200; RSS after 3 s idle)")
print("| store      | fresh p50 | fresh max | warm p50 | warm max | idle RSS MiB |")
print("|------------|----------:|----------:|---------:|---------:|-------------:|")
bench("sqlite", lambda d, i: f"sqlite://{d}/db{i}.db")
pg = os.environ.get("TEST_POSTGRES_URL")
if pg:
    import uuid
    def pg_url(d, i):
        name = "bench_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", pg, "-qc", f"create database {name}"], check=True)
        return pg.rsplit("/", 1)[0] + "/" + name
    bench("postgres", pg_url)
PY
