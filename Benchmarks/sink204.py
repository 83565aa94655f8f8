#!/usr/bin/env python3
"""A feed sink for benchmarks: an HTTP server on 127.0.0.1 that reads each
POST body (its Content-Length, at most 64 MiB) and answers 204, as InfluxDB's
/write does. Prints `listening on 127.0.0.1:PORT`, and on SIGTERM the writes,
lines and bytes it took. Usage: sink204.py [PORT=0]"""
import http.server
import signal
import sys

MAX_BODY = 64 << 20
taken = {"writes": 0, "lines": 0, "bytes": 0}


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or -1)
        if not 0 <= length <= MAX_BODY:
            self.send_error(411 if length < 0 else 413)
            return
        body = self.rfile.read(length)
        taken["writes"] += 1
        taken["lines"] += body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
        taken["bytes"] += len(body)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = http.server.HTTPServer(("127.0.0.1", port), Sink)

    def stop(*_):
        print(f"sink: writes={taken['writes']} lines={taken['lines']} bytes={taken['bytes']}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
