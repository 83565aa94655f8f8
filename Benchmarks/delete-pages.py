#!/usr/bin/env python3
"""What removing a table's rows writes to the WAL, four ways (BENCHMARKS.md,
"Compaction's bytes"): SQLite as the store sets it up (WAL, auto_vacuum
INCREMENTAL, secure_delete off), 180,000 rows of about 840 bytes (100 numbers
as a JSON array, like a history frame) with a (time, device_id) index, then
all rows removed by
  batches  DELETE ... WHERE id IN (SELECT ... LIMIT 2000), a transaction each
           (what the compactor did before schema 11)
  range    one DELETE ... WHERE id <= N
  clear    DELETE FROM t with no WHERE (SQLite's truncate), foreign keys on
  drop     DROP TABLE
and prints the WAL pages that took.

Usage: Benchmarks/delete-pages.py [batches|range|clear|drop ...] [--rows N]"""
import argparse
import os
import random
import sqlite3
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("ways", nargs="*", default=["batches", "range", "clear", "drop"])
parser.add_argument("--rows", type=int, default=180_000)
args = parser.parse_args()
random.seed(1)
folder = tempfile.mkdtemp(prefix="delete-pages.")
for way in args.ways:
    path = os.path.join(folder, f"{way}.db")
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("auto_vacuum=INCREMENTAL", "journal_mode=WAL", "secure_delete=OFF", "wal_autocheckpoint=0"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE frames (id INTEGER PRIMARY KEY, device_id INTEGER, time INTEGER, points TEXT)")
    db.execute("CREATE INDEX frames_by_time ON frames (time, device_id)")
    db.execute("BEGIN")
    for i in range(args.rows):
        points = "[" + ",".join(str(random.randint(0, 99999) / 10) for _ in range(100)) + "]"
        db.execute("INSERT INTO frames (device_id, time, points) VALUES (?, ?, ?)", (i % 100, i // 100, points))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute("BEGIN")
    if way == "batches":
        db.execute("COMMIT")
        while True:
            db.execute("BEGIN")
            deleted = db.execute("DELETE FROM frames WHERE id IN (SELECT id FROM frames INDEXED BY frames_by_time "
                                 "WHERE time >= 0 LIMIT 2000)").rowcount
            db.execute("COMMIT")
            if deleted == 0:
                break
        db.execute("BEGIN")
    elif way == "range":
        db.execute("DELETE FROM frames WHERE id <= ?", (args.rows,))
    elif way == "clear":
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM frames")
    elif way == "drop":
        db.execute("DROP TABLE frames")
    db.execute("COMMIT")
    wal = os.path.getsize(path + "-wal")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    print(f"{way:8} rows={args.rows} table_pages={pages} wal_pages={wal // (page + 24)} "
          f"freed={db.execute('PRAGMA freelist_count').fetchone()[0]}")
    db.close()
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
os.rmdir(folder)
