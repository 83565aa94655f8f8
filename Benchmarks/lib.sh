# The scaffolding the farm benchmarks share (run.sh, boost-farm.sh, window.sh,
# write-bytes.sh): the binary, a farm of simulated bench-plc-100 devices (100
# points whose values change on every poll), the gateway config that polls
# it, and readings from /proc. Source it from the repository root.

# release_binary [PATH]: PATH if given, else this tree's release build (built now).
release_binary() {
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  swift build -c release --product pumpgw >/dev/null
  echo "$(swift build -c release --show-bin-path)/pumpgw"
}

# wait_for FILE TEXT: waits up to 10 s for TEXT in FILE; else shows FILE and exits.
wait_for() {
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.1; done
  echo "$(basename "$0"): no '$2' in $1" >&2; cat "$1" >&2; exit 1
}

# farm_config FILE N BASE FEED_URL INTERVAL TIMEOUT DB [STORE_FIELDS] [SECTIONS]:
# a gateway config for N stations of one bench-plc-100 device each, on ports
# BASE, BASE+1, ...; STORE_FIELDS are more fields of the store section (e.g.
# 'checkpoint: "10s"'), SECTIONS more top-level sections (e.g. an http one).
farm_config() {
  local file="$1" n="$2" base="$3" feed="$4" interval="$5" timeout="$6" db="$7" store_fields="${8:-}" sections="${9:-}"
  {
    echo "{ gateway: { id: \"bench\" }, profiles: \"$PWD/Benchmarks\","
    echo "  store: { path: \"$db\", $store_fields }, feed: { url: \"$feed\", precision: \"ms\" },"
    [ -z "$sections" ] || echo "  $sections"
    echo "  stations: ["
    for ((i = 0; i < n; i++)); do
      printf '    { id: "ST-%04d", devices: [ { id: "plc", profile: "bench-plc-100", host: "127.0.0.1", port: %d, interval: "%s", timeout: "%s" } ] },\n' \
        "$i" $((base + i)) "$interval" "$timeout"
    done
    echo "  ] }"
  } > "$file"
}

# start_farm BIN N BASE OUT [FARM ARGS...]: a farm of N bench-plc-100 devices on
# ports BASE.., its output to OUT; sets farm_pid and waits until it listens.
# FARM_PROFILE=FILE serves another profile of the same registers instead (e.g.
# one whose `simulate` hints hold every value still).
start_farm() {
  local bin="$1" n="$2" base="$3" out="$4"; shift 4
  "$bin" farm --profile "${FARM_PROFILE:-$PWD/Benchmarks/bench-plc-100.json5}" --devices "$n" --base-port "$base" "$@" > "$out" 2>&1 &
  farm_pid=$!
  wait_for "$out" listening
}

# cpu_seconds STAT_FILE: user + system CPU seconds of /proc/PID/stat or /proc/PID/task/TID/stat.
cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' "$1"; }

# written_bytes PID: what the process caused to be written to the block device so far.
written_bytes() { awk '/^write_bytes:/ { print $2 }' "/proc/$1/io"; }

# peak_rss_kb PID: the process's peak resident set (VmHWM), in KiB.
peak_rss_kb() { awk '/VmHWM/ { print $2 }' "/proc/$1/status"; }

# stopped_field LOG NAME: field NAME of the gateway's `gateway stopped` log line.
stopped_field() { grep "gateway stopped" "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

# outbox_lines DB: lines waiting in the store's outbox, read-only. Schema 8 and
# later sum the batch rows' waiting lines; schema 7 (one row per line, to
# compare older builds) takes the ends of its id range, which the sender
# deletes from the oldest end only (count(*) would scan a multi-GB table).
# Fails when neither can be read (no file yet, or busy): callers choose the fallback.
outbox_lines() {
  sqlite3 "file:$1?mode=ro" "select coalesce(sum(live), 0) from outbox_batches" 2>/dev/null ||
    sqlite3 "file:$1?mode=ro" "select coalesce((select max(id) from outbox) - (select min(id) from outbox) + 1, 0)" 2>/dev/null
}

# tcp_sink PORT: the central server come back: a TCP listener on 127.0.0.1:PORT
# that reads and drops everything (run it in the background; exec, so that killing the job kills python).
tcp_sink() {
  exec python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $1)); s.listen(4)
while True:
    c, _ = s.accept()
    while c.recv(1 << 20): pass
"
}
