#!/usr/bin/env python3
"""A Modbus TCP device that answers its first requests at once and then
dribbles every reply, one byte every --byte-delay seconds: libmodbus's byte
timeout restarts on each byte, so a poll of it can take many times the
configured timeout. Answers function codes 1-4 with zeros/100s, any unit id.

Prints "LISTENING 127.0.0.1 PORT" when ready and "DRIBBLING" when it starts
to dribble; exits when its stdin closes (it cannot outlive its test)."""

import argparse
import socket
import struct
import sys
import threading
import time


def reply_for(request):
    transaction, _protocol, _length, unit, function = struct.unpack(">HHHBB", request[:8])
    _address, count = struct.unpack(">HH", request[8:12])
    if function in (1, 2):
        data = bytes((count + 7) // 8)
    elif function in (3, 4):
        data = struct.pack(">" + "H" * count, *([100] * count))
    else:
        pdu = bytes([function | 0x80, 1])
        return struct.pack(">HHH", transaction, 0, len(pdu) + 1) + bytes([unit]) + pdu
    pdu = bytes([function, len(data)]) + data
    return struct.pack(">HHH", transaction, 0, len(pdu) + 1) + bytes([unit]) + pdu


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve(connection, state, arguments):
    with connection:
        while True:
            header = read_exactly(connection, 7)
            if header is None:
                return
            length = struct.unpack(">H", header[4:6])[0]
            body = read_exactly(connection, length - 1)
            if body is None:
                return
            reply = reply_for(header + body)
            with state["lock"]:
                state["answered"] += 1
                dribble = state["answered"] > arguments.fast
                if dribble and not state["announced"]:
                    state["announced"] = True
                    print("DRIBBLING", flush=True)
            try:
                if not dribble:
                    connection.sendall(reply)
                    continue
                for byte in reply:
                    connection.sendall(bytes([byte]))
                    time.sleep(arguments.byte_delay)
            except OSError:
                return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fast", type=int, default=3, help="requests answered at once before dribbling")
    parser.add_argument("--byte-delay", type=float, default=0.3)
    arguments = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", arguments.port))
    listener.listen(16)
    print("LISTENING 127.0.0.1 %d" % listener.getsockname()[1], flush=True)
    state = {"lock": threading.Lock(), "answered": 0, "announced": False}

    def accept():
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=serve, args=(connection, state, arguments), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
