#!/usr/bin/env bash
# Bytes the gateway writes to disk per polled sample, as an SD card sees them:
# a farm of N simulated devices (bench-plc-100: 100 points whose values change
# on every poll, so history by exception keeps every sample), the gateway
# polling them every 1 s (--interval) and feeding an HTTP sink that answers 204
# (Benchmarks/sink204.py), for DURATION seconds.
#
# write_bytes is the gateway's own (/proc/PID/io: bytes it caused to be
# written to the block device), over its whole life: start-up, the run, and
# the stop with its last checkpoint. It is read from the wrapper that reaps the
# gateway (Linux adds a reaped child's I/O to its parent's), so nothing the
# gateway wrote on its way out is missed. Samples and polls are the gateway's
# own counters, from its `gateway stopped` log line. Every minute on the way it
# also prints the bytes written so far (checkpoints show as steps).
#
# Usage: Benchmarks/write-bytes.sh [--bin PATH] [--devices 100] [--duration 120]
#            [--base-port 27000] [--interval 1s] [--store 'json5 fields'] [--feed http|file] [--keep DIR] [--breakdown]
#   --bin       the pumpgw binary (default: this tree's release build)
#   --store     extra fields of the config's store section, e.g. 'checkpoint: "10s"'
#   --feed      http (default: the sink) or file (line protocol to a file)
#   --keep DIR  leave the database, WAL and logs in DIR
#   --breakdown instead of write_bytes: a reader holds the first snapshot so no
#               checkpoint can copy or restart the WAL, the gateway is killed
#               (-9) at the end and Benchmarks/wal-pages.py breaks the whole
#               run's WAL down per table and prices checkpoint cadences
set -euo pipefail
cd "$(dirname "$0")/.."

bin=; devices=100; duration=120; base=27000; store_extra=; feed=http; keep=; breakdown=no; interval=1s
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    --store) store_extra="$2"; shift 2 ;;
    --feed) feed="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --breakdown) breakdown=yes; shift ;;
    --interval) interval="$2"; shift 2 ;;
    *) echo "write-bytes.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
source Benchmarks/lib.sh
bin=$(release_binary "$bin")
work="${keep:-$(mktemp -d /tmp/pumpgw-wb.XXXXXX)}"
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

start_farm "$bin" "$devices" "$base" "$work/farm.out"
pids+=($farm_pid)
if [ "$feed" = http ]; then
  python3 Benchmarks/sink204.py >"$work/sink.out" 2>&1 &
  pids+=($!)
  wait_for "$work/sink.out" listening
  url="http://127.0.0.1:$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sink.out")/write?db=pumps"
else
  url="file:$work/feed.lp"
fi
farm_config "$work/gw.json5" "$devices" "$base" "$url" "$interval" 80ms "$work/pumpgw.db" "$store_extra"
rm -f "$work"/pumpgw.db*

# The wrapper: starts the gateway, prints its write_bytes every 60 s, stops it
# after DURATION, reaps it, then prints the write_bytes it took with it.
python3 - "$bin" "$work/gw.json5" "$duration" "$work/gw.log" "$breakdown" "$work/pumpgw.db" "$((devices * 100 * duration))" >"$work/io.out" <<'PY' &
import os, signal, sqlite3, subprocess, sys, time
def written(pid):
    for line in open(f"/proc/{pid}/io"):
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
binary, config, duration, log, breakdown, db, samples = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5] == "yes", sys.argv[6], sys.argv[7]
before = written("self")
gateway = subprocess.Popen([binary, "run", "--config", config], stderr=open(log, "w"), stdout=subprocess.DEVNULL)
signal.signal(signal.SIGTERM, lambda *_: gateway.terminate())
started = time.monotonic()
if breakdown:
    while "gateway started" not in open(log).read():
        time.sleep(0.01)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM sqlite_schema").fetchall()  # the snapshot no checkpoint may pass
    time.sleep(duration)
    gateway.kill()
    gateway.wait()
    subprocess.run([sys.executable, "Benchmarks/wal-pages.py", db, "--samples", samples], check=True)
    sys.stdout.flush()
    os._exit(0)  # without closing the holder: its close would checkpoint the WAL away (--keep)
while (left := duration - (time.monotonic() - started)) > 0:
    time.sleep(min(60, left))
    if gateway.poll() is None:
        print(f"at {time.monotonic() - started:.0f} s: {written(gateway.pid)}", flush=True)
gateway.terminate()
gateway.wait()
print(f"lifetime {written('self') - before}", flush=True)
PY
wrapper=$!
pids+=($wrapper)
wait "$wrapper"
if [ "$breakdown" = yes ]; then
  echo "wal breakdown: devices=$devices duration_s=$duration store={$store_extra} load=$(cut -d' ' -f1-3 /proc/loadavg)"
  cat "$work/io.out"
  exit 0
fi
grep -q "gateway stopped" "$work/gw.log" || { cat "$work/gw.log" >&2; exit 1; }
field() { stopped_field "$work/gw.log" "$1"; }
written=$(sed -n 's/^lifetime //p' "$work/io.out")
db=$(stat -c %s "$work/pumpgw.db")
sink=$( [ "$feed" = http ] && { kill -TERM "${pids[1]}"; sleep 0.3; grep "sink:" "$work/sink.out" || true; } || echo "feed to a file")
echo "write-bytes: bin=$bin devices=$devices interval=$interval duration_s=$duration store={$store_extra} load=$(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/  /' "$work/io.out" | grep "^  at" || true
awk -v w="$written" -v s="$(field samples)" -v p="$(field polls)" -v db="$db" -v tx="$(field transactions)" 'BEGIN {
  printf "  polls=%d samples=%d transactions=%d written_bytes=%.0f per_polled_sample=%.1f db_bytes=%.0f db_per_sample=%.1f\n", p, s, tx, w, w / s, db, db / s }'
echo "  $sink"
