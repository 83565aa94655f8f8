#!/usr/bin/env bash
# Peak memory of a running gateway whose feed server answers every write with
# an endless reply body (Tests/Hostile/hostile_feed.py: `bigbody` announces
# Content-Length: 2147483648, `bigchunked` no length; each streams 2 GiB),
# over http:// and over https:// (TLS with a throw-away CA made here with
# openssl, trusted by the gateway through SSL_CERT_FILE only). One gateway
# polls one simulated Grundfos set every 200 ms for DURATION seconds per run;
# a run with the feed to a file is the baseline. Prints each run's peak RSS
# (VmHWM), the writes it tried and the reason it logged.
#
# Usage: Benchmarks/hostile-feed-rss.sh [DURATION=20]   (BIN=... for another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
bin=${BIN:-.build/debug/pumpgw}
[ -x "$bin" ] || swift build --product pumpgw >/dev/null
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
( cd "$work"
  openssl req -x509 "${key[@]}" -keyout ca.key -out ca.pem -days 1 -subj "/CN=bench CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req "${key[@]}" -keyout server.key -out server.csr -subj /CN=server 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 \
    -extfile server.ext 2>/dev/null )
"$bin" simulate --profile DeviceProfiles/grundfos-hydro-mpc-cim500.json5 --port 0 --duration $((duration * 5 + 60)) >"$work/sim.out" 2>&1 &
for _ in $(seq 50); do grep -q "listening on" "$work/sim.out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sim.out" | head -1)

# run NAME FEED_URL: one gateway for `duration` seconds; prints its peak RSS.
run() {
  local name=$1 url=$2 site="$work/$1"
  mkdir -p "$site"
  cat >"$site/gateway.json5" <<JSON
{ gateway: { id: "gw-bench" }, profiles: "$PWD/DeviceProfiles", store: { path: "var/pumpgw.db" },
  feed: { url: "$url" },
  stations: [ { id: "FT-0412", devices: [ { id: "booster", profile: "grundfos-hydro-mpc-cim500",
    host: "127.0.0.1", port: $port, interval: "200ms", timeout: "150ms" } ] } ] }
JSON
  SSL_CERT_FILE="$work/ca.pem" "$bin" run --config "$site/gateway.json5" 2>"$site/log" &
  local gateway=$!
  sleep "$duration"
  local peak; peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$gateway/status")
  kill "$gateway"; wait "$gateway" 2>/dev/null || true
  local writes; writes=$(grep -c "feed write failed" "$site/log" || true)
  local reason; reason=$(grep -o 'HTTP 500: ([^)]*)' "$site/log" | head -1 || true)
  printf '%-18s peak RSS %6d kB, %3d failed writes  %s\n' "$name" "$peak" "$writes" "$reason"
}

run "file (baseline)" "file:var/feed.lp"
for scheme in http https; do
  for mode in bigbody bigchunked; do
    tls=(); [ "$scheme" = https ] && tls=(--tls-cert "$work/server.pem" --tls-key "$work/server.key")
    python3 Tests/Hostile/hostile_feed.py "$mode" --megabytes 2048 --port-file "$work/$scheme-$mode.port" "${tls[@]}" >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 50); do [ -s "$work/$scheme-$mode.port" ] && break; sleep 0.1; done
    run "$scheme $mode" "$scheme://127.0.0.1:$(cat "$work/$scheme-$mode.port")/write?db=pumps"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
