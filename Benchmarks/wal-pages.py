#!/usr/bin/env python3
"""Where a WAL's bytes go, per table, and what checkpoints at a given cadence
would write. Read a database whose WAL was never checkpointed during the run
(gateway with store.checkpoint "off", stopped with kill -9 so that the WAL is
left as it is, or copied while it runs).

Every WAL frame is one page image (page size + a 24-byte header). A table
leaf page is attributed by the shape of its first row (LEAF_SHAPES: pages
move between the outbox and history as they are freed and reused), any other
page to the table or index that owns it in the newest snapshot (dbstat).
Pages in no table are the freelist, pointer maps (auto_vacuum) and page 1. A commit frame ends each transaction; a checkpoint after every K
commits writes each distinct page of those K commits once.

Usage: wal-pages.py DB [--samples N] [--cadence K ...]
  --samples N  polled samples the WAL holds: adds bytes per sample
  --cadence K  price a checkpoint after every K commits (default 1 5 20 60 300)"""
import argparse
import collections
import shutil
import sqlite3
import struct
import sys
import tempfile
import os


# A table leaf page is told by the column types of its first row, since a
# page freed by one table (the outbox, sent) is soon reused by another: the
# newest owner would be the wrong one for most frames. Others go by dbstat.
# Schema 7's outbox rows were "ntti"/"ntbi" (a line each); schema 8's are
# batch rows (id, created, lines, gone, live, data).
LEAF_SHAPES = {"nitt": "history_frames", "ntti": "outbox", "ntbi": "outbox", "niiiib": "outbox",
               "iiit": "latest_frames", "iiiti": "latest_frames"}  # schema 9 added last_frame


def varint(data, at):
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return value, at + 9


def leaf_shape(page, data):
    """The first row's column types of a table leaf page ("n" null, "i" integer,
    "f" real, "t" text, "b" blob), or None for any other page."""
    header = 100 if page == 1 else 0
    if data[header] != 0x0D or int.from_bytes(data[header + 3:header + 5], "big") == 0:
        return None
    cell = int.from_bytes(data[header + 8:header + 10], "big")
    _, at = varint(data, cell)  # payload length
    _, at = varint(data, at)  # rowid
    size, end = varint(data, at)
    end, at, shape = at + size, end, ""
    while at < end:
        kind, at = varint(data, at)
        shape += "n" if kind == 0 else "i" if kind <= 6 or kind in (8, 9) else "f" if kind == 7 else \
            "b" if kind % 2 == 0 else "t"
    return shape


def frames(wal_path):
    """The page size, and (page number, is commit, leaf shape) of every valid frame in order."""
    found = []
    with open(wal_path, "rb") as wal:
        magic, _, page_size, _, salt1, salt2 = struct.unpack(">IIIIII", wal.read(24))
        assert magic in (0x377F0682, 0x377F0683), "not a WAL file"
        wal.seek(32)
        while len(head := wal.read(24)) == 24:
            page, commit_size, s1, s2 = struct.unpack(">IIII", head[:16])
            if (s1, s2) != (salt1, salt2):
                break  # frames of an earlier WAL generation
            found.append((page, commit_size != 0, leaf_shape(page, wal.read(page_size))))
    return page_size, found


def owners(db_path):
    """page number -> table or index name, from a copy (the WAL is read, not changed)."""
    folder = tempfile.mkdtemp()
    try:
        copy = os.path.join(folder, "copy.db")
        shutil.copy(db_path, copy)
        shutil.copy(db_path + "-wal", copy + "-wal")
        connection = sqlite3.connect(copy)
        result = dict(connection.execute("SELECT pageno, name FROM dbstat"))
        connection.close()
        return result
    finally:
        shutil.rmtree(folder)


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("db")
    arguments.add_argument("--samples", type=int, default=0)
    arguments.add_argument("--cadence", type=int, action="append")
    options = arguments.parse_args()
    db, cadences = options.db, options.cadence or [1, 5, 20, 60, 300]
    per = (lambda n: f", {n / options.samples:.1f} per sample") if options.samples else (lambda n: "")
    page_size, wal_frames = frames(db + "-wal")
    owner = owners(db)
    def name(page, shape):
        return LEAF_SHAPES.get(shape) or owner.get(page, "page 1" if page == 1 else "freelist/ptrmap")
    per_table = collections.Counter(name(page, shape) for page, _, shape in wal_frames)
    commits = sum(1 for _, commit, _ in wal_frames if commit)
    frame_bytes = page_size + 24
    total = len(wal_frames) * frame_bytes
    print(f"WAL: {len(wal_frames)} frames in {commits} commits, {total} bytes{per(total)} ({page_size}-byte pages)")
    for table, count in per_table.most_common():
        print(f"  {table:32s} {count:9d} frames {count * frame_bytes:13d} bytes {100 * count / len(wal_frames):5.1f} %{per(count * frame_bytes)}")
    for k in cadences:
        written, group, seen = 0, 0, set()
        by_table = collections.Counter()
        for page, commit, shape in wal_frames:
            if page not in seen:
                seen.add(page)
                by_table[name(page, shape)] += 1
            if commit:
                group += 1
                if group == k:
                    written += len(seen)
                    seen, group = set(), 0
        written += len(seen)
        top = ", ".join(f"{t} {100 * c / max(1, sum(by_table.values())):.0f} %" for t, c in by_table.most_common(4))
        print(f"checkpoint every {k} commits: {written * page_size} bytes to the database file{per(written * page_size)} ({top})")


if __name__ == "__main__":
    main()
