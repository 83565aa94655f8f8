#!/usr/bin/env python3
"""Hostile feed servers for pumpgw's tests, one mode per run, on 127.0.0.1.

    hostile_feed.py MODE [--port-file FILE] [--megabytes N] [--location URL] [--record FILE] [--stdin-lifeline]
                         [--tls-cert PEM --tls-key PEM]

Prints "listening on 127.0.0.1:PORT" (and writes PORT to FILE), then serves
until killed (or, with --stdin-lifeline, until its standard input closes):
  bigbody   HTTP: reads the request, answers 500 with Content-Length: 2147483648
            and streams N MiB of body (default 512), then holds the connection open.
  bigchunked  HTTP: the same with a chunked body of N MiB (no length announced).
  rejectall HTTP: answers every write 400 {"error":"unable to parse: hostile test server rejects everything"}.
  redirect  HTTP: answers every write 307 to URL.
  record    HTTP: answers 204 and appends "METHOD PATH BODYBYTES AUTH" to FILE per request.
  tcpflood  TCP: accepts, reads and discards what comes, and sends N MiB back
            (a line-protocol listener never answers).
With --tls-cert and --tls-key every connection is TLS (the HTTP modes over
https). Each connection has its own thread; standard library only.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time

CHUNK = b"x" * 65536


def read_request(conn, with_body=False):
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return None
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        part = conn.recv(65536)
        if not part:
            break
        rest += part
    return (head, rest) if with_body else head


def answer(conn, status, body=b"", headers=b""):
    conn.sendall(b"HTTP/1.1 %d Status\r\nConnection: close\r\nContent-Length: %d\r\n" % (status, len(body))
                 + headers + b"\r\n" + body)


def rejectall(conn, args):
    if read_request(conn) is not None:
        answer(conn, 400, b'{"error":"unable to parse: hostile test server rejects everything"}',
               b"Content-Type: application/json\r\n")


def redirect(conn, args):
    if read_request(conn) is not None:
        answer(conn, 307, headers=b"Location: " + args.location.encode() + b"\r\n")


def record(conn, args):
    request = read_request(conn, with_body=True)
    if request is None:
        return
    head, body = request
    lines = head.split(b"\r\n")
    auth = any(line.lower().startswith(b"authorization:") for line in lines[1:])
    with open(args.record, "a") as f:
        f.write("%s %d %s\n" % (lines[0].decode(errors="replace"), len(body), "auth" if auth else "-"))
    answer(conn, 204)


def stream(conn, megabytes):
    for _ in range(megabytes * 16):
        conn.sendall(CHUNK)


def bigbody(conn, args):
    megabytes = args.megabytes
    if read_request(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: 2147483648\r\n\r\n")
    stream(conn, megabytes)
    time.sleep(30)


def bigchunked(conn, args):
    megabytes = args.megabytes
    if read_request(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
    for _ in range(megabytes * 16):
        conn.sendall(chunk)
    time.sleep(30)


def tcpflood(conn, args):
    megabytes = args.megabytes
    conn.setblocking(False)
    sent = 0
    while sent < megabytes * 16:
        try:
            while conn.recv(65536):
                pass
        except BlockingIOError:
            pass
        try:
            conn.send(CHUNK)
            sent += 1
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            return
    time.sleep(30)


HANDLERS = {"bigbody": bigbody, "bigchunked": bigchunked, "tcpflood": tcpflood,
            "rejectall": rejectall, "redirect": redirect, "record": record}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(HANDLERS))
    parser.add_argument("--port-file")
    parser.add_argument("--megabytes", type=int, default=512)
    parser.add_argument("--location", default="http://127.0.0.1:9/")
    parser.add_argument("--record")
    parser.add_argument("--stdin-lifeline", action="store_true")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(args.port_file + ".tmp", args.port_file)
    print("listening on 127.0.0.1:%d" % port, flush=True)
    # Exit when the parent closes our stdin (a test that dies leaves no server behind).
    if args.stdin_lifeline:
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    handler = HANDLERS[args.mode]

    def serve(conn):
        try:
            if tls is not None:
                conn.settimeout(10)
                conn = tls.wrap_socket(conn, server_side=True)   # a client that refuses the certificate ends here
                conn.settimeout(None)
            handler(conn, args)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
