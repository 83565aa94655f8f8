#!/usr/bin/env bash
# What the gateway's window costs at N devices: the gateway polling a farm of
# N simulated devices (Benchmarks/bench-plc-100.json5, every 1 s), run twice
# in one invocation: once with nobody asking, once with /metrics fetched
# every 5 s (a Prometheus scrape) and the page every 3 s (a phone on the page).
# Prints gateway CPU and lateness for both, the HTTP thread's own CPU per
# request (from /proc/PID/task/*/stat), and each answer's size and time.
#
# Usage: Benchmarks/window.sh [--devices 1000] [--duration 60]
set -euo pipefail
cd "$(dirname "$0")/.."

devices=1000; duration=60
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    *) echo "window.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

source Benchmarks/lib.sh
bin=$(release_binary)
work="$(mktemp -d /tmp/pumpgw-window.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
base=27000   # farm ports below Linux's ephemeral range (32768-60999)
port=$((base - 1))

farm_config "$work/gw.json5" "$devices" "$base" "file:$work/feed.lp" 1s 500ms "$work/pumpgw.db" "" "http: { listen: \"127.0.0.1:$port\" },"
start_farm "$bin" "$devices" "$base" "$work/farm.out"

# The stat file of the gateway's thread named "http".
# (Threads come and go while the folder is listed: unreadable ones are skipped.)
http_thread() {
  local comm name
  for comm in /proc/"$1"/task/*/comm; do
    name=$(cat "$comm" 2>/dev/null) || continue
    [ "$name" = http ] && { echo "${comm%comm}stat"; return; }
  done
}

# fetch PATH EVERY LOG: GETs 127.0.0.1:port/PATH every EVERY seconds, logging size and time.
fetch() {
  while :; do
    curl -s -o /dev/null -w '%{size_download} %{time_total}\n' "http://127.0.0.1:$port$1" >> "$3" || true
    sleep "$2"
  done
}

# run LABEL SCRAPE(yes|no)
run() {
  rm -f "$work"/pumpgw.db* "$work/feed.lp" "$work"/*.times
  "$bin" run --config "$work/gw.json5" 2> "$work/gw.log" &
  local pid=$!
  until grep -q "gateway started" "$work/gw.log" 2>/dev/null; do sleep 0.05; done
  sleep 5   # every device connected and polled once
  local http; http=$(http_thread $pid)
  [ -n "$http" ] || { echo "no http thread in pumpgw $pid:" >&2; head -5 "$work/gw.log" >&2; exit 1; }
  local cpu0 http0; cpu0=$(cpu_seconds /proc/$pid/stat); http0=$(cpu_seconds "$http")
  local fetchers=()
  if [ "$2" = yes ]; then
    fetch /metrics 5 "$work/metrics.times" & fetchers+=($!)
    fetch / 3 "$work/page.times" & fetchers+=($!)
  fi
  sleep "$duration"
  local cpu1 http1; cpu1=$(cpu_seconds /proc/$pid/stat); http1=$(cpu_seconds "$http")
  [ ${#fetchers[@]} -gt 0 ] && kill "${fetchers[@]}" 2>/dev/null || true
  kill -TERM $pid; wait $pid || true
  field() { stopped_field "$work/gw.log" "$1"; }
  printf "%s: devices=%d duration_s=%d cpu_cores=%.3f http_thread_cpu_s=%.3f lateness_p50_ms=%s lateness_p99_ms=%s skipped_cycles=%s\n" \
    "$1" "$devices" "$duration" "$(echo "($cpu1 - $cpu0) / $duration" | bc -l)" "$(echo "$http1 - $http0" | bc -l)" \
    "$(field lateness_p50_ms)" "$(field lateness_p99_ms)" "$(field skipped_cycles)"
  if [ "$2" = yes ]; then
    for what in metrics page; do
      awk -v what="$what" '{ n++; bytes += $1; t += $2; if ($2 > max) max = $2 } END {
        printf "  %s: requests=%d bytes=%d mean_ms=%.1f max_ms=%.1f\n", what, n, bytes / n, t / n * 1000, max * 1000 }' "$work/$what.times"
    done
    local requests; requests=$(cat "$work/metrics.times" "$work/page.times" | wc -l)
    printf "  http thread: cpu_ms_per_request=%.1f\n" "$(echo "($http1 - $http0) / $requests * 1000" | bc -l)"
  fi
}

echo "machine: $(nproc) cores, $(uname -r); pumpgw $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
run quiet no
run scraped yes
kill $farm_pid; wait $farm_pid 2>/dev/null || true
