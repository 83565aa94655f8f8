#!/usr/bin/env python3
"""Hostile feed servers for pumpgw's tests, one mode per run, on 127.0.0.1.

    hostile_feed.py MODE --port-file FILE [--megabytes N]

Writes the port it listens on to FILE, then serves until killed:
  bigbody   HTTP: reads the request, answers 500 with Content-Length: 2147483648
            and streams N MiB of body (default 512), then holds the connection open.
  bigchunked  HTTP: the same with a chunked body of N MiB (no length announced).
  tcpflood  TCP: accepts, reads and discards what comes, and sends N MiB back
            (a line-protocol listener never answers).
Each connection has its own thread; standard library only.
"""
import argparse
import socket
import threading
import time

CHUNK = b"x" * 65536


def read_request(conn):
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
    return head


def stream(conn, megabytes):
    for _ in range(megabytes * 16):
        conn.sendall(CHUNK)


def bigbody(conn, megabytes):
    if read_request(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: 2147483648\r\n\r\n")
    stream(conn, megabytes)
    time.sleep(30)


def bigchunked(conn, megabytes):
    if read_request(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
    for _ in range(megabytes * 16):
        conn.sendall(chunk)
    time.sleep(30)


def tcpflood(conn, megabytes):
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bigbody", "bigchunked", "tcpflood"])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--megabytes", type=int, default=512)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    handler = {"bigbody": bigbody, "bigchunked": bigchunked, "tcpflood": tcpflood}[args.mode]

    def serve(conn):
        try:
            handler(conn, args.megabytes)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
