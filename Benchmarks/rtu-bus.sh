#!/usr/bin/env bash
# The RTU bus benchmark: how much of a 9600 baud bus's physical limit the
# gateway uses when its schedule is saturated, and the idle gap it leaves
# between a reply and its next request.
#
# `pumpgw simulate --pace 9600` holds every reply for the wire time of the
# request, a 3.5-character turnaround and the reply at 9600 baud (10 bits a
# character), and adds up the physical limit of what it served: those times
# plus the 3.5-character silence before the next request. The gateway polls
# twelve MFE600H flow meters on that line, so the bus is never idle by schedule:
# `check` refuses a bus whose cycle (by its estimate, which allows 5 ms for a
# device to start answering) does not fit the interval, so the devices here
# are slow ones that take --turnaround-ms (default 20) to answer: at 1.9 s
# (97 % of check's estimate) a cycle really needs about 2.5 s.
#
# Two transports, one after the other in one run:
#   pty  a serial bus from the config (`buses`), on a pseudo-terminal the
#        simulator opens itself (`simulate --pty`): the gateway's serial
#        path, with its 3.5-character silence after each reply;
#   tcp  the same devices behind RTU over TCP (`framing: "rtu"`), where
#        nothing waits the silence: the poller's own cost alone.
# Loopback and ptys only.
#
# Usage: Benchmarks/rtu-bus.sh [--duration 20] [--units 12] [--transport pty|tcp|both]
#                              [--turnaround-ms 20] [--interval 1900ms]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=20; units=12; transport=both; turnaround=20; interval=1900ms
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --units) units="$2"; shift 2 ;;
    --transport) transport="$2"; shift 2 ;;
    --turnaround-ms) turnaround="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    *) echo "rtu-bus.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=${PUMPGW_BIN:-.build/debug/pumpgw}
work=$(mktemp -d)
sim=""; gw=""
trap 'kill $sim $gw 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
profile=DeviceProfiles/electromagnetic-flowmeter-mfe600h.json5
list=$(seq -s, 1 "$units")

# bench pty|tcp: one saturated run; prints its figures.
bench() {
  local kind="$1" line devices="" place buses=""
  if [ "$kind" = pty ]; then
    "$bin" simulate --profile "$profile" --pty "$work/rs485" --baud 9600 --unit "$list" --pace 9600 --turnaround-ms "$turnaround" >"$work/sim.out" 2>&1 &
  else
    "$bin" simulate --profile "$profile" --port 0 --framing rtu --unit "$list" --pace 9600 --turnaround-ms "$turnaround" >"$work/sim.out" 2>&1 &
  fi
  sim=$!
  for _ in $(seq 50); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
  if [ "$kind" = pty ]; then
    buses="buses: [ { id: \"rs485-1\", port: \"$work/rs485\", baud: 9600 } ],"
    place='bus: "rs485-1"'
  else
    place="host: \"127.0.0.1\", port: $(grep -o '127.0.0.1:[0-9]*' "$work/sim.out" | cut -d: -f2), framing: \"rtu\""
  fi
  for unit in $(seq 1 "$units"); do
    devices="$devices { id: \"m$unit\", profile: \"electromagnetic-flowmeter-mfe600h\", $place, unit: $unit, interval: \"$interval\", timeout: \"250ms\" },"
  done
  cat >"$work/gw.json5" <<CONFIG
{ gateway: { id: "bench" }, profiles: "$PWD/DeviceProfiles", store: { path: "$work/gw-$kind.db" },
  feed: { url: "file:$work/feed-$kind.lp" }, $buses stations: [ { id: "B", devices: [ $devices ] } ] }
CONFIG
  "$bin" run --config "$work/gw.json5" >"$work/gw.out" 2>&1 &
  gw=$!
  sleep "$duration"
  kill -TERM $gw; wait $gw || { echo "rtu-bus.sh: the gateway failed:" >&2; cat "$work/gw.out" >&2; exit 1; }
  kill -INT $sim; wait $sim || true
  line=$(grep "stopped after" "$work/sim.out")
  python3 - "$kind" "$(echo "$line" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*')" \
    "$(echo "$line" | grep -o 'after [0-9]*' | grep -o '[0-9]*')" "$(echo "$line" | grep -o '[0-9.]* s of wire time' | cut -d' ' -f1)" <<'PY'
import sys
# duration: from the first request to the last reply (start-up and stop left out)
kind, duration, requests, wire = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
silence = 3.5 * 10 / 9600                      # 3.5 characters of 10 bits at 9600 baud, s
paced = wire - requests * silence              # frames and device turnaround the simulator held, s
gap = (duration - paced) / requests            # between a reply and the next request, s
print(f"{kind}: {requests} exchanges in {duration:.2f} s; frames and turnaround {paced:.3f} s")
if kind == "pty":
    # The gateway waits the silence itself here: the gap includes it.
    print(f"{kind}: {100 * wire / duration:.1f} % of the physical limit (target >= 90 %); "
          f"idle gap {gap * 1000:.2f} ms = 3.5 char ({silence * 1000:.2f} ms) + {(gap - silence) * 1000:.2f} ms (target <= + 2 ms)")
else:
    # Over TCP nothing waits the silence: a serial line would add it to each exchange.
    print(f"{kind}: poller's own gap {gap * 1000:.2f} ms per exchange; projected on a serial line: "
          f"{100 * wire / (duration + requests * silence):.1f} % of the physical limit")
PY
  sim=""; gw=""
}

case "$transport" in
  both) bench pty; bench tcp ;;
  pty|tcp) bench "$transport" ;;
  *) echo "rtu-bus.sh: --transport must be pty, tcp or both" >&2; exit 2 ;;
esac
