#!/usr/bin/env python3
"""A hostile Modbus server for pumpgw's tests (Python standard library only).

Usage: hostile_modbus.py MODE [--framing mbap|rtu] [--every N]

Serves reads of holding/input registers (register at address A holds
1000 + A) and coils/discrete inputs (odd addresses on) on 127.0.0.1, on a
free port, and misbehaves as MODE says:

  good               correct replies (the control case)
  dribble            the correct reply, one byte every 0.3 s
  wrong-unit         the unit id of the reply is the request's + 1
  wrong-transaction  MBAP transaction id + 1
  protocol-id        MBAP protocol id 1
  length-0           MBAP length 0
  length-65535       MBAP length 65535 (and nothing more)
  wrong-byte-count   byte count 2 more than asked, with 2 more bytes (length consistent)
  wrong-function     function code + 1
  exception-0        an exception reply with code 0
  over-long          the correct reply and 3 more bytes in the same segment
  bad-crc            (rtu) the CRC's low byte flipped
  late               the correct reply 0.6 s after the request
  close              reads the request, then closes the connection

--every N applies the fault to every Nth reply only (others are good).
Stdout: `LISTENING 127.0.0.1 <port>` once connections are accepted, then one
line `REQUESTS <n>` at exit. Exits when stdin reaches EOF (the test ended).
"""

import socket
import struct
import sys
import threading
import time

MODE = sys.argv[1]
FRAMING = sys.argv[sys.argv.index("--framing") + 1] if "--framing" in sys.argv else "mbap"
EVERY = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
requests = 0
lock = threading.Lock()


def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def pdu_for(function, address, count, faulty):
    """The reply PDU for a read, with the PDU-level faults."""
    if faulty and MODE == "exception-0":
        return bytes([function | 0x80, 0])
    if function in (3, 4):
        data = b"".join(struct.pack(">H", (1000 + address + i) & 0xFFFF) for i in range(count))
    else:
        bits = [(address + i) % 2 == 1 for i in range(count)]
        data = bytes(sum(1 << j for j in range(8) if i * 8 + j < count and bits[i * 8 + j])
                     for i in range((count + 7) // 8))
    if faulty and MODE == "wrong-byte-count":
        data += b"\x00\x00"
    reply_function = function + 1 if faulty and MODE == "wrong-function" else function
    return bytes([reply_function, len(data)]) + data


def reply_for(request, faulty):
    """The whole reply frame (MBAP or RTU) for one request frame."""
    if FRAMING == "rtu":
        unit, function, address, count = struct.unpack(">BBHH", request[:6])
        pdu = pdu_for(function, address, count, faulty)
        frame = bytes([unit + 1 if faulty and MODE == "wrong-unit" else unit]) + pdu
        crc = crc16(frame)
        if faulty and MODE == "bad-crc":
            crc ^= 0x00FF
        frame += struct.pack("<H", crc)
    else:
        transaction, protocol, _, unit, function, address, count = struct.unpack(">HHHBBHH", request[:12])
        pdu = pdu_for(function, address, count, faulty)
        if faulty and MODE == "wrong-transaction":
            transaction = (transaction + 1) & 0xFFFF
        if faulty and MODE == "protocol-id":
            protocol = 1
        if faulty and MODE == "wrong-unit":
            unit = (unit + 1) & 0xFF
        length = len(pdu) + 1
        if faulty and MODE == "length-0":
            length = 0
        if faulty and MODE == "length-65535":
            return struct.pack(">HHHB", transaction, protocol, 65535, unit)
        frame = struct.pack(">HHHB", transaction, protocol, length, unit) + pdu
    if faulty and MODE == "over-long":
        frame += b"\x01\x02\x03"
    return frame


def serve(connection):
    global requests
    size = 8 if FRAMING == "rtu" else 12
    with connection:
        while True:
            request = b""
            while len(request) < size:
                chunk = connection.recv(size - len(request))
                if not chunk:
                    return
                request += chunk
            with lock:
                requests += 1
                faulty = requests % EVERY == 0
            if faulty and MODE == "close":
                return
            reply = reply_for(request, faulty)
            if faulty and MODE == "dribble":
                for byte in reply:
                    time.sleep(0.3)
                    connection.sendall(bytes([byte]))
                continue
            if faulty and MODE == "late":
                time.sleep(0.6)
            connection.sendall(reply)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def accept():
        while True:
            connection, _ = listener.accept()
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(f"LISTENING 127.0.0.1 {listener.getsockname()[1]}", flush=True)
    sys.stdin.read()
    print(f"REQUESTS {requests}", flush=True)


if __name__ == "__main__":
    main()
