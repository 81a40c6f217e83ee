#!/usr/bin/env python3
"""What SQLite itself allows for a contacts import, without crmsync.

Inserts the rows `cargo bench --bench import` generates straight into SQLite through
Python's sqlite3 module (multi-row inserts of 200, one transaction, WAL, synchronous=NORMAL,
as crmsync's store), into:
  bare    the contact table without its indexes and triggers;
  schema  the real migrated schema (migrations/sqlite/*.sql), change_log rows written one
          statement per batch as crmsync's import does, 16 MiB page cache.
It prints rows/s (wall and CPU, SQLite's calls only: building the arguments is not timed) and
peak RSS per case: the ceiling any importer reaches on this machine, for comparison with the
crmsync figures.

    scripts/bench-sqlite-ceiling.py               # 100,000 and 1,000,000 rows
    scripts/bench-sqlite-ceiling.py 20000 200000  # other sizes
"""

import glob
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 200


def schema(bare):
    text = "".join(
        open(p).read() for p in sorted(glob.glob(os.path.join(ROOT, "migrations/sqlite/*.sql")))
    )
    if bare:
        text = re.sub(r"create (unique )?index \w+ on contact \([^;]*;", "", text)
        text = re.sub(r"create trigger contact_capture_\w+.*?\bend;", "", text, flags=re.S)
        text = re.sub(r"drop trigger contact_capture_\w+;", "", text)
    return text


def run(case, rows):
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "ceiling.db"), isolation_level=None)
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=normal")
        db.execute("pragma foreign_keys=on")
        db.execute("pragma cache_size=-16384")
        db.executescript(schema(case == "bare"))
        db.execute("insert or ignore into tenant (tenant_id, name) values ('default', 'd')")
        for c in range(1000):
            db.execute(
                "insert into company (tenant_id, name, domain, external_id, status) "
                "values ('default', ?, ?, ?, 'client')",
                (f"Company {c}", f"c{c}.example.com", f"C-{c}"),
            )
        sql = (
            "insert into contact (tenant_id, external_id, email, first_name, last_name, phone,"
            " tags, language, company_id) values "
            + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * BATCH)
            + " returning contact_id"
        )
        # Only SQLite's work is timed: building the Python arguments is left out.
        wall = cpu = 0.0
        db.execute("begin")
        db.execute(
            "insert into write_context (context_id, origin, bulk_inserts) values (1, 'import', 1)"
        )
        for start in range(0, rows, BATCH):
            args = []
            for i in range(start, start + BATCH):
                args += (
                    "default", f"P-{i}", f"person{i}@example.com", f"First{i}", f"Last{i}",
                    f"+33 6 {i % 100:02} {i // 100 % 100:02} {i // 10000 % 100:02} 00",
                    '["a","b"]', "FR" if i % 2 == 0 else "EN", 1 + i % 1000,
                )
            w, c = time.perf_counter(), time.process_time()
            ids = [r[0] for r in db.execute(sql, args).fetchall()]
            if case == "schema":
                db.execute(
                    "insert into change_log (tenant_id, entity, entity_id, op, origin) "
                    "select 'default', 'contact', value, 'insert', 'import' from json_each(?)",
                    (str(ids),),
                )
            wall, cpu = wall + time.perf_counter() - w, cpu + time.process_time() - c
        w, c = time.perf_counter(), time.process_time()
        db.execute("delete from write_context")
        db.execute("commit")
        wall, cpu = wall + time.perf_counter() - w, cpu + time.process_time() - c
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"RESULT {rows / wall:.0f} {rows / cpu:.0f} {rss:.1f}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        run(sys.argv[2], int(sys.argv[3]))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    print(f"SQLite {sqlite3.sqlite_version} through Python, each case in its own process")
    print("| case   |      rows | rows/s (wall) | rows/s (CPU) | peak RSS MiB |")
    print("|--------|----------:|--------------:|-------------:|-------------:|")
    for rows in sizes:
        for case in ("bare", "schema"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", case, str(rows)],
                check=True, capture_output=True, text=True,
            ).stdout
            wall, cpu, rss = out.split("RESULT ")[1].split()
            print(f"| {case:<6} | {rows:>9} | {float(wall):>13.0f} | {float(cpu):>12.0f} | {float(rss):>12.1f} |")


if __name__ == "__main__":
    main()
