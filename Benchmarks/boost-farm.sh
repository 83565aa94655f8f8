#!/usr/bin/env bash
# What one boosted station costs beside the rest: the gateway polls a farm
# of N simulated devices (Benchmarks/bench-plc-100.json5: 100 points in 3
# requests, every 1 s, one device per station), run twice in one invocation
# on a fresh store each time: once as configured, once with station ST-0000
# boosted to --boost (default 100ms) by `pumpgw boost`. The feed goes to a
# TCP sink nobody listens on, as during an outage of the central server, so
# every line stays in the outbox: its growth is what an outage costs.
# Per run: gateway CPU, polls, lateness p50/p99, skipped cycles, outbox
# lines added and bytes written to disk (/proc/PID/io) during the measured
# window, and the store's size at the end over the whole run's seconds.
#
# Usage: Benchmarks/boost-farm.sh [--devices 1000] [--duration 60] [--boost 100ms]
set -euo pipefail
cd "$(dirname "$0")/.."

devices=1000; duration=60; boost=100ms
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --boost) boost="$2"; shift 2 ;;
    *) echo "boost-farm.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

source Benchmarks/lib.sh
bin=$(release_binary)
work="$(mktemp -d /tmp/pumpgw-boost.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
base=23000   # farm ports below Linux's ephemeral range (32768-60999), apart from the other scripts'
sink=$((base - 1))   # nobody listens here: the feed is down

farm_config "$work/gw.json5" "$devices" "$base" "tcp://127.0.0.1:$sink" 1s 500ms "$work/pumpgw.db"
start_farm "$bin" "$devices" "$base" "$work/farm.out"

store_bytes() { { cat "$work/pumpgw.db" "$work/pumpgw.db-wal" 2>/dev/null || true; } | wc -c; }

# run LABEL BOOSTED: a fresh store, 10 s to settle (and to take the boost up),
# then `duration` seconds measured.
run() {
  local label="$1" boosted="$2"
  rm -f "$work"/pumpgw.db*
  local t0; t0=$(date +%s)
  "$bin" run --config "$work/gw.json5" 2> "$work/gw.log" &
  local pid=$!
  until grep -q "gateway started" "$work/gw.log" 2>/dev/null; do sleep 0.05; done
  if [ "$boosted" = yes ]; then
    "$bin" boost --config "$work/gw.json5" --station ST-0000 --interval "$boost" --for 1h --reason bench > /dev/null
    until grep -q "boost started" "$work/gw.log" 2>/dev/null; do sleep 0.05; done
  fi
  sleep 10
  # outbox lines waiting: nothing is sent, the sink is down
  local cpu0 lines0 written0; cpu0=$(cpu_seconds /proc/$pid/stat); lines0=$(outbox_lines "$work/pumpgw.db" || echo 0); written0=$(written_bytes $pid)
  sleep "$duration"
  local cpu1 lines1 written1; cpu1=$(cpu_seconds /proc/$pid/stat); lines1=$(outbox_lines "$work/pumpgw.db" || echo 0); written1=$(written_bytes $pid)
  local hwm; hwm=$(peak_rss_kb $pid)
  kill -TERM $pid; wait $pid || true
  local seconds=$(( $(date +%s) - t0 )) size; size=$(store_bytes)
  field() { stopped_field "$work/gw.log" "$1"; }
  awk -v label="$label" -v cpu="$(echo "$cpu1 - $cpu0" | bc -l)" -v secs="$duration" -v hwm="$hwm" \
      -v polls="$(field polls)" -v p50="$(field lateness_p50_ms)" -v p99="$(field lateness_p99_ms)" \
      -v skipped="$(field skipped_cycles)" -v lines=$((lines1 - lines0)) -v written=$((written1 - written0)) \
      -v size="$size" -v whole="$seconds" 'BEGIN {
    printf "%s: cpu_cores=%.3f polls=%d (whole run) lateness_p50_ms=%s lateness_p99_ms=%s skipped_cycles=%s peak_rss_mb=%.1f\n",
           label, cpu / secs, polls, p50, p99, skipped, hwm / 1024
    printf "  outbox_lines_per_s=%.1f disk_written_mb_per_h=%.0f store_mb=%.1f after %d s (%.0f MB/h)\n",
           lines / secs, written / secs * 3600 / 1e6, size / 1e6, whole, size / whole * 3600 / 1e6
  }'
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); pumpgw $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $devices devices at 1 s, ${duration} s measured"
run "configured" no
run "ST-0000 boosted to $boost" yes
