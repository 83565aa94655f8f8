#!/usr/bin/env bash
# What a feed outage costs the outbox: the gateway polls a farm of N
# bench-plc-100 devices (100 points, every value changing every poll) every
# 1 s for DURATION seconds, its feed a TCP port nobody listens on, so every
# line stays in the outbox. Then, on the stopped store: the lines waiting, the
# outbox's pages on disk (dbstat: the table's B-tree and overflow pages) per
# line, its stored payload per line, and the gateway's write_bytes per line.
# Works on a schema 7 store (`outbox`, one row per line) and schema 8
# (`outbox_batches`, one row per committed batch), to compare builds.
# With --drain the central server then comes back (a TCP sink that reads
# everything): from the first delivery until fewer than 500 lines wait, the
# lines drained per second and the gateway's CPU per 1000 lines drained
# (peek, inflate, send, delete), with polling going on.
#
# Usage: Benchmarks/outbox-outage.sh [--bin PATH] [--devices 100] [--duration 60] [--base-port 28000] [--drain]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=; devices=100; duration=60; base=28000; drain=no   # farm ports below the ephemeral range (32768-60999), apart from the other scripts'
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    --drain) drain=yes; shift ;;
    *) echo "outbox-outage.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

source Benchmarks/lib.sh
bin=$(release_binary "$bin")
work="$(mktemp -d /tmp/pumpgw-outage.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

farm_config "$work/gw.json5" "$devices" "$base" "tcp://127.0.0.1:$((base - 1))" 1s 500ms "$work/pumpgw.db"
start_farm "$bin" "$devices" "$base" "$work/farm.out"
"$bin" run --config "$work/gw.json5" 2> "$work/gw.log" &
pid=$!
wait_for "$work/gw.log" "gateway started"
sleep "$duration"
written=$(written_bytes $pid)

db="$work/pumpgw.db"
sql() { sqlite3 "file:$db?mode=ro" "$1"; }
if [ "$(sql "select count(*) from sqlite_master where name = 'outbox_batches'")" = 1 ]; then
  table=outbox_batches; depth_sql="select coalesce(sum(live), 0) from outbox_batches"
  payload_sql="select coalesce(sum(length(data)), 0) from outbox_batches"
else
  table=outbox; depth_sql="select count(*) from outbox"
  payload_sql="select coalesce(sum(length(line)), 0) from outbox"
fi
lines=$(sql "$depth_sql"); payload=$(sql "$payload_sql"); rows=$(sql "select count(*) from $table")
disk=$(sql "select coalesce(sum(pgsize), 0) from dbstat where name = '$table'")
awk -v table="$table" -v lines="$lines" -v rows="$rows" -v disk="$disk" -v payload="$payload" -v written="$written" \
    -v devices="$devices" -v secs="$duration" 'BEGIN {
  printf "outage: %d devices, %d s, table %s: lines=%d rows=%d disk_bytes=%d disk_per_line=%.1f payload_per_line=%.1f gateway_written_per_line=%.1f\n",
         devices, secs, table, lines, rows, disk, disk / lines, payload / lines, written / lines
}'

if [ "$drain" = yes ]; then
  tcp_sink $((base - 1)) &
  start=$(sql "$depth_sql")
  # The sender retries with backoff (up to 60 s): time from its first delivery.
  for _ in $(seq 1800); do [ "$(sql "$depth_sql")" -lt "$start" ] && break; sleep 0.05; done
  t0=$(date +%s.%N); cpu0=$(cpu_seconds /proc/$pid/stat); d0=$(sql "$depth_sql")
  for _ in $(seq 2400); do [ "$(sql "$depth_sql")" -lt 500 ] && break; sleep 0.05; done
  t1=$(date +%s.%N); cpu1=$(cpu_seconds /proc/$pid/stat); d1=$(sql "$depth_sql")
  # Lines drained = the fall in depth plus the lines queued meanwhile (about 1.1 per device a second).
  awk -v d0="$d0" -v d1="$d1" -v secs="$(echo "$t1 - $t0" | bc -l)" -v cpu="$(echo "$cpu1 - $cpu0" | bc -l)" -v devices="$devices" 'BEGIN {
    drained = d0 - d1 + secs * devices * 1.1
    printf "drain: from %d lines, %.2f s, drain_lines_per_s=%.0f cpu_s=%.2f cpu_ms_per_1000_lines=%.1f (polling included)\n",
           d0, secs, drained / secs, cpu, cpu / drained * 1e6
  }'
fi
kill -TERM $pid; wait $pid || true
