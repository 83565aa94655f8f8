#!/usr/bin/env bash
# Store and feed growth of a boost: two gateways side by side, each polling
# one simulated Grundfos booster set on loopback for DURATION seconds, one at
# its configured 1 s, the other boosted to INTERVAL the whole time (history
# keeps every sample). Prints the bytes each added to the database (+WAL) and
# the feed, per hour. With the central server down the feed bytes are what
# the outbox holds instead.
#
# Usage: Benchmarks/boost-growth.sh [DURATION=60] [INTERVAL=100ms]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60}; interval=${2:-100ms}
bin=.build/release/pumpgw
[ -x "$bin" ] || swift build -c release --product pumpgw >/dev/null
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
"$bin" simulate --profile DeviceProfiles/grundfos-hydro-mpc-cim500.json5 --port 0 --duration $((duration + 30)) >"$work/sim.out" 2>&1 &
for _ in $(seq 50); do grep -q "listening on" "$work/sim.out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sim.out" | head -1)
for site in plain boosted; do
  mkdir -p "$work/$site"
  cat >"$work/$site/gateway.json5" <<JSON
{ gateway: { id: "gw-$site" }, profiles: "$PWD/DeviceProfiles", store: { path: "var/pumpgw.db" },
  feed: { url: "file:var/feed.lp" },
  stations: [ { id: "FT-0412", devices: [ { id: "booster", profile: "grundfos-hydro-mpc-cim500",
    host: "127.0.0.1", port: $port, interval: "1s", timeout: "80ms" } ] } ] }
JSON
  "$bin" run --config "$work/$site/gateway.json5" 2>"$work/$site/log" &
done
sleep 2
"$bin" boost --config "$work/boosted/gateway.json5" --station FT-0412 --interval "$interval" --for 1d >/dev/null
sleep 1
# History bytes (the frames' text) rather than the file size: the WAL is
# preallocated and checkpointed in steps, so file sizes over a minute mislead.
size() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select coalesce(sum(length(points))+count(*)*24,0) from history_frames').fetchone()[0])" "$1/var/pumpgw.db"; }
declare -A db0 feed0
for site in plain boosted; do db0[$site]=$(size "$work/$site"); feed0[$site]=$(stat -c %s "$work/$site/var/feed.lp"); done
sleep "$duration"
for site in plain boosted; do
  db=$(( $(size "$work/$site") - db0[$site] )); feed=$(( $(stat -c %s "$work/$site/var/feed.lp") - feed0[$site] ))
  polls=$(grep -c '^pump_station' "$work/$site/var/feed.lp")
  echo "$site: history +$db bytes, feed +$feed bytes in ${duration} s ($polls polls in all); per hour: history $((db * 3600 / duration / 1000)) kB, feed $((feed * 3600 / duration / 1000)) kB"
done
