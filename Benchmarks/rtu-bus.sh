#!/usr/bin/env bash
# The RTU bus benchmark: how much of a 9600 baud bus's physical limit the
# gateway uses when its schedule is saturated, and the idle gap it adds
# between a reply and its next request.
#
# `pumpgw simulate --framing rtu --pace 9600` holds every reply for the wire
# time of request, 3.5-character turnaround and reply at 9600 baud (10 bits a
# character), and adds up the physical limit of what it served: those times
# plus the 3.5-character silence before the next request. The gateway polls
# twelve units on that endpoint (every 300 ms) (framing rtu) with an interval far shorter than
# a cycle, so the bus is never idle by schedule. Loopback only.
#
# Usage: Benchmarks/rtu-bus.sh [--duration 20] [--units 12]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=20; units=12
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --units) units="$2"; shift 2 ;;
    *) echo "rtu-bus.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=${PUMPGW_BIN:-.build/debug/pumpgw}
work=$(mktemp -d)
trap 'kill $sim $gw 2>/dev/null || true; rm -rf "$work"' EXIT
profile=DeviceProfiles/electromagnetic-flowmeter-mfe600h.json5
list=$(seq -s, 1 "$units")

"$bin" simulate --profile "$profile" --port 0 --framing rtu --unit "$list" --pace 9600 >"$work/sim.out" 2>&1 &
sim=$!
for _ in $(seq 50); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$work/sim.out" | cut -d: -f2)

devices=""
for unit in $(seq 1 "$units"); do
  devices="$devices { id: \"m$unit\", profile: \"electromagnetic-flowmeter-mfe600h\", host: \"127.0.0.1\", port: $port, framing: \"rtu\", unit: $unit, interval: \"300ms\", timeout: \"250ms\" },"
done
cat >"$work/gw.json5" <<CONFIG
{ gateway: { id: "bench" }, profiles: "$PWD/DeviceProfiles", store: { path: "$work/gw.db" },
  feed: { url: "file:$work/feed.lp" }, stations: [ { id: "B", devices: [ $devices ] } ] }
CONFIG
"$bin" run --config "$work/gw.json5" >"$work/gw.out" 2>&1 &
gw=$!
sleep "$duration"
kill -TERM $gw; wait $gw || true
kill -INT $sim; wait $sim || true
line=$(grep "stopped after" "$work/sim.out")
requests=$(echo "$line" | grep -o 'after [0-9]*' | grep -o '[0-9]*')
wire=$(echo "$line" | grep -o '[0-9.]* s of wire time' | cut -d' ' -f1)
span=$(echo "$line" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*')
python3 - "$span" "$requests" "$wire" <<'PY'
import sys
# duration: from the first request to the last reply (start-up and stop left out)
duration, requests, wire = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
silence = 3.5 * 10 / 9600                      # 3.5 characters of 10 bits at 9600 baud, s
paced = wire - requests * silence              # frames and turnaround the simulator held, s
overhead = (duration - paced) / requests       # what the gateway adds per exchange, s
print(f"requests {requests} in {duration:.2f} s; frames and turnaround {paced:.3f} s")
print(f"wire busy {100 * paced / duration:.1f} % of the time; gateway idle gap per exchange {overhead * 1000:.2f} ms")
# Over TCP nothing waits the inter-frame silence; a serial line must: the client waits
# 3.5 characters after each reply, so there each exchange costs that much more.
projected = wire / (duration + requests * silence)
print(f"on a serial line: {100 * projected:.1f} % of the physical limit (target >= 90 %), "
      f"idle gap 3.5 char ({silence * 1000:.2f} ms) + {overhead * 1000:.2f} ms (target <= + 2 ms)")
PY
