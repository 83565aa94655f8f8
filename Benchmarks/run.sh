#!/usr/bin/env bash
# pumpgw benchmarks: a farm of N simulated devices (one process, one poll()
# loop) on 127.0.0.1, the raw libmodbus polling loop as the floor, and the
# full gateway (decode, rules, SQLite, feed to a file) polling the same farm.
# Prints one block of figures per run. Everything stays on loopback.
#
# Usage: Benchmarks/run.sh [--bin PATH] [--devices 1000] [--duration 60] [--interval 1s]
#                          [--isolation] [--drain [--outage SECONDS]] [--ceiling]
#   --bin        the pumpgw binary (default: this tree's release build, built first)
#   --isolation  also run with one silent and one 3 s-slow device among the N
#   --drain      also measure how fast the outbox drains after a feed outage
#                (of --outage seconds, default half the duration)
#   --ceiling    also start N+150 devices: past descriptor 1024 the gateway must stay alive (its client waits with poll(); libmodbus's select() aborted there)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=; devices=1000; duration=60; interval=1s; isolation=no; drain=no; ceiling=no; outage=
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --isolation) isolation=yes; shift ;;
    --drain) drain=yes; shift ;;
    --outage) outage="$2"; shift 2 ;;
    --ceiling) ceiling=yes; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

source Benchmarks/lib.sh
bin=$(release_binary "$bin")
work="$(mktemp -d /tmp/pumpgw-bench.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
base=26000   # farm ports stay below Linux's ephemeral range (32768-60999)

# config FILE N FEEDURL: N devices on ports base.., every $interval.
config() { farm_config "$1" "$2" "$base" "$3" "$interval" 500ms "$work/pumpgw.db"; }

# farm N [extra args]: starts the farm on ports base.., waits until it listens.
farm() {
  local n="$1"; shift
  start_farm "$bin" "$n" "$base" "$work/farm.out" "$@"
}

# gateway CONFIG SECONDS: runs the daemon, prints its figures.
gateway() {
  local cfg="$1" seconds="$2"
  rm -f "$work"/pumpgw.db* "$work/feed.lp"
  local t0; t0=$(date +%s%N)
  "$bin" run --config "$cfg" 2> "$work/gw.log" &
  local pid=$!
  until grep -q "gateway started" "$work/gw.log" 2>/dev/null; do sleep 0.01; done
  local t1; t1=$(date +%s%N)
  local cpu0; cpu0=$(cpu_seconds /proc/$pid/stat)
  sleep "$seconds"
  local cpu1; cpu1=$(cpu_seconds /proc/$pid/stat)
  local hwm; hwm=$(peak_rss_kb $pid)
  kill -TERM $pid; wait $pid || true
  field() { stopped_field "$work/gw.log" "$1"; }
  local polls samples; polls=$(field polls); samples=$(field samples)
  awk -v cpu="$(echo "$cpu1 - $cpu0" | bc -l)" -v secs="$seconds" -v polls="$polls" -v samples="$samples" \
      -v blocks=3 -v hwm="$hwm" -v start_ms="$(( (t1 - t0) / 1000000 ))" \
      -v p50="$(field lateness_p50_ms)" -v p99="$(field lateness_p99_ms)" -v skipped="$(field skipped_cycles)" \
      -v tx="$(field transactions)" -v txms="$(field store_ms_per_transaction)" -v dev="$3" \
      -v dropped="$(field dropped_reports)" 'BEGIN {
    printf "gateway: devices=%d points=100 interval=%s duration_s=%d\n", dev, "'"$interval"'", secs
    printf "  startup_ms=%d samples_per_s=%.0f polls=%d\n", start_ms, samples / secs, polls
    printf "  cpu_cores=%.3f cpu_s_per_1000_samples=%.4f cpu_us_per_request=%.1f\n", cpu / secs, cpu / (samples / 1000), cpu / (polls * blocks) * 1e6
    printf "  peak_rss_mb=%.1f lateness_p50_ms=%s lateness_p99_ms=%s skipped_cycles=%s\n", hwm / 1024, p50, p99, skipped
    printf "  requests_per_cycle=%d (one per point: 100) store_tx_per_s=%.1f store_ms_per_tx=%s dropped_reports=%s\n", blocks, tx / secs, txms, dropped
  }'
  raw_cpu_per_request_gateway=$(awk -v cpu="$(echo "$cpu1 - $cpu0" | bc -l)" -v polls="$polls" 'BEGIN { print cpu / (polls * 3) * 1e6 }')
}

# startup CONFIG RUNS: exec to "gateway started", median of RUNS starts on a
# fresh store (nothing needs to listen: pollers connect after that line).
startup() {
  local cfg="$1" runs="$2" times=()
  for ((r = 0; r < runs; r++)); do
    rm -f "$work"/pumpgw.db* "$work/startup.log"
    local t0; t0=$(date +%s%N)
    "$bin" run --config "$cfg" 2> "$work/startup.log" &
    local pid=$!
    until grep -q "gateway started" "$work/startup.log" 2>/dev/null; do sleep 0.002; done
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
    kill -TERM $pid; wait $pid || true
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v runs="$runs" '{ a[NR] = $1 } END {
    printf "startup: devices=%d runs=%d median_ms=%d min_ms=%d max_ms=%d\n", '"$devices"', runs, a[int((NR + 1) / 2)], a[1], a[NR] }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -r); pumpgw $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
config "$work/gw.json5" "$devices" "file:$work/feed.lp"
startup "$work/gw.json5" 9
farm "$devices"

raw=$("$bin" bench raw --config "$work/gw.json5" --duration "$duration")
echo "$raw"
raw_us=$(echo "$raw" | sed -n 's/.*cpu_us_per_request=\([^ ]*\).*/\1/p')
gateway "$work/gw.json5" "$duration" "$devices"
echo "  overhead: gateway cpu per request / raw = $(echo "$raw_cpu_per_request_gateway / $raw_us" | bc -l | cut -c1-5)x"
kill $farm_pid; wait $farm_pid 2>/dev/null || true

if [ "$isolation" = yes ]; then
  farm "$devices" --silent 0 --slow 1 --slow-ms 3000
  echo "isolation: device 0 silent, device 1 answers in 3 s, $((devices - 2)) healthy"
  gateway "$work/gw.json5" "$duration" "$devices"
  kill $farm_pid; wait $farm_pid 2>/dev/null || true
fi

if [ "$drain" = yes ]; then
  # The feed goes to a TCP sink that is down for the first half of the run.
  base=22000   # below the ephemeral range (32768-60999), like every farm port here
  sinkport=$((base - 1))
  config "$work/drain.json5" "$devices" "tcp://127.0.0.1:$sinkport"
  farm "$devices"
  rm -f "$work"/pumpgw.db*
  "$bin" run --config "$work/drain.json5" 2> "$work/drain.log" &
  pid=$!
  half=${outage:-$((duration / 2))}
  sleep "$half"
  depth=$(outbox_lines "$work/pumpgw.db")
  fill_rate=$(echo "$depth / $half" | bc -l)
  tcp_sink "$sinkport" &
  sink=$!
  # The sender retries with backoff (up to 60 s): time the drain from its
  # first delivery, not from the moment the sink came back.
  waited=$(date +%s.%N)
  while :; do
    now_depth=$(outbox_lines "$work/pumpgw.db" || echo "$depth")
    [ "$now_depth" -lt "$depth" ] && break
    sleep 0.05
  done
  t0=$(date +%s.%N); start_depth=$now_depth
  while :; do
    now_depth=$(outbox_lines "$work/pumpgw.db" || echo "$start_depth")
    [ "$now_depth" -lt 1000 ] && break
    t=$(date +%s.%N); [ "$(echo "$t - $t0 > 120" | bc)" = 1 ] && break
    sleep 0.05
  done
  t1=$(date +%s.%N)
  elapsed=$(echo "$t1 - $t0 + 0.05" | bc -l)
  drained=$(echo "($depth - $now_depth) / $elapsed + $fill_rate" | bc -l)
  printf "drain: outage_s=%d outbox_lines=%d fill_lines_per_s=%.0f backoff_wait_s=%.1f drain_s=%.2f drain_lines_per_s=%.0f ratio=%.0fx\n" \
    "$half" "$depth" "$fill_rate" "$(echo "$t0 - $waited" | bc -l)" "$elapsed" "$drained" "$(echo "$drained / $fill_rate" | bc -l)"
  kill -TERM $pid; wait $pid || true
  kill $sink $farm_pid 2>/dev/null || true
  wait $farm_pid 2>/dev/null || true
fi

if [ "$ceiling" = yes ]; then
  n=$((devices + 150))
  base=24000
  config "$work/ceiling.json5" "$n" "file:$work/feed.lp"
  farm "$n"
  rm -f "$work"/pumpgw.db*
  "$bin" run --config "$work/ceiling.json5" 2> "$work/ceiling.log" &
  pid=$!
  sleep 15
  alive=$(kill -0 $pid 2>/dev/null && echo yes || echo no)
  refused=$(grep -c "descriptor" "$work/ceiling.log" || true)
  connected=$(sqlite3 "file:$work/pumpgw.db?mode=ro" "select count(*) from device_health where connected = 1" 2>/dev/null || echo "?")
  echo "ceiling: devices=$n alive_after_15s=$alive refusal_log_lines=$refused connected_devices=$connected"
  grep -m1 "descriptor" "$work/ceiling.log" || true
  kill -TERM $pid 2>/dev/null; wait $pid || true
  kill $farm_pid 2>/dev/null || true
fi
