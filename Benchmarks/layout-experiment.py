#!/usr/bin/env python3
"""Why history frames are appended in time order (schema step 7): plain
SQLite, no pumpgw. 100 devices' frames of 100 [id, value] entries (about
1.5 KB each) are written for 60 s after a 10-minute prefill, with ids
clustered by device (device << 40 + n, schema 5) or in time order, in 7 or 1
commits a second, with and without the (time, device_id) index, and the WAL
they cause is counted (a reader holds the first snapshot, so nothing is
checkpointed away). Prints WAL bytes per sample for each layout.

Usage: Benchmarks/layout-experiment.py   (about 90 s, files in a temp folder)"""
import os
import random
import shutil
import sqlite3
import tempfile

FOLDER = tempfile.mkdtemp(prefix="pumpgw-layout-")


def wal_pages(path):
    return (os.path.getsize(path + "-wal") - 32) // (4096 + 24)


def run(layout, commits_per_second, seconds=60, devices=100, index=False, auto_vacuum="INCREMENTAL"):
    path = os.path.join(FOLDER, f"{layout}-{commits_per_second}-{index}-{auto_vacuum}.db")
    writer = sqlite3.connect(path, isolation_level=None)
    for pragma in (f"auto_vacuum={auto_vacuum}", "journal_mode=WAL", "secure_delete=OFF", "wal_autocheckpoint=0"):
        writer.execute(f"PRAGMA {pragma}")
    writer.execute("CREATE TABLE f (id INTEGER PRIMARY KEY, device_id INT, time INT, points TEXT)")
    if index:
        writer.execute("CREATE INDEX f_time ON f (time, device_id)")
    count = {device: 0 for device in range(devices)}

    def frames(second):
        for device in range(devices):
            count[device] += 1
            points = "[" + ",".join(f"[{1000 + i},{random.randint(100, 999) / 10}]" for i in range(100)) + "]"
            yield ((device << 40) + count[device] if layout == "clustered" else None, device, second, points)

    writer.execute("BEGIN")
    for second in range(600):  # ten minutes first, so the tree has its depth
        writer.executemany("INSERT INTO f VALUES (?, ?, ?, ?)", list(frames(second)))
    writer.execute("COMMIT")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    share = devices // commits_per_second
    for second in range(600, 600 + seconds):
        rows = list(frames(second))
        for k in range(commits_per_second):
            writer.execute("BEGIN")
            writer.executemany("INSERT INTO f VALUES (?, ?, ?, ?)", rows[k * share:(k + 1) * share])
            writer.execute("COMMIT")
    pages = wal_pages(path)
    print(f"{layout:10s} {commits_per_second} commits/s index={index!s:5s} auto_vacuum={auto_vacuum:11s}: "
          f"WAL {pages * 4120 / (seconds * devices * 100):.1f} bytes per sample")
    holder.close()
    writer.close()


try:
    for layout in ("clustered", "sequential"):
        for cadence in (7, 1):
            run(layout, cadence)
    run("sequential", 7, index=True)
    run("sequential", 1, index=True)
    run("sequential", 1, index=True, auto_vacuum="NONE")
finally:
    shutil.rmtree(FOLDER)
