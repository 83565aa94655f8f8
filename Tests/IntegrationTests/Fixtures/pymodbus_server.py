#!/usr/bin/env python3
"""Independent Modbus TCP test server for pumpgw's integration tests.

It lets the Swift tests check our decoder against a Modbus server that is not
our own: pymodbus 3.16 (SimDevice/SimData with ModbusTcpServer), installed in
the project's venv (.venv, `pip install pymodbus==3.16.1`).

Usage:
    python pymodbus_server.py --values FILE.json [--port 0] [--unit N]
                              [--framer rtu] [--serial PATH [--baud 9600]]

--framer rtu serves RTU over TCP (RTU frames with CRC, no MBAP);
--serial PATH serves Modbus RTU on a serial port (a socat pty in tests;
needs pyserial) and announces `LISTENING SERIAL 0`.

FILE.json maps 0-based PDU addresses (decimal strings) to values; any table
may be missing:
    {"holding": {"0": 1234, "1": 65535}, "input": {"0": 17224},
     "coils": {"0": true}, "discrete": {"3": false}}
Registers hold 0..65535, coils and discrete inputs hold true/false.

Behaviour:
  * Exactly the listed addresses exist. A request touching any other address
    gets exception 2 (illegal data address). Holding registers and coils can
    be written.
  * --unit N: only unit id N is answered; requests to other ids get no reply.
    Without --unit every unit id is answered.
  * Listens on 127.0.0.1 only. --port 0 (the default) takes a free port.
  * Stdout: once connections are accepted, one line `LISTENING 127.0.0.1
    <port>`; on exit one line `WRITES <n>`, the number of write requests
    (function codes 5, 6, 15, 16) to a served unit, refused ones included.
  * Runs until SIGTERM or SIGINT, or until stdin reaches EOF (so the server
    dies with the test that started it; give it a pipe as stdin, since
    /dev/null is EOF at once), then exits 0.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import threading

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simcore import SimCore

HOST = "127.0.0.1"
BIT_TABLE_OF_FC = {1: "coils", 5: "coils", 15: "coils", 2: "discrete"}
WRITE_FCS = {5, 6, 15, 16}


def load_values(path):
    """Read FILE.json into {table: {address: value}}, checking every entry."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    tables = {}
    for table in ("coils", "discrete", "holding", "input"):
        tables[table] = {}
        for key, value in raw.pop(table, {}).items():
            address = int(key) if key.isdigit() else -1
            if not 0 <= address <= 65535:
                sys.exit(f"{table}[{key}]: address is not a decimal 0..65535")
            if table in ("coils", "discrete") and not isinstance(value, bool):
                sys.exit(f"{table}[{key}]: {value!r} is not true/false")
            if table in ("holding", "input") and not (
                type(value) is int and 0 <= value <= 65535
            ):
                sys.exit(f"{table}[{key}]: {value!r} is not in 0..65535")
            tables[table][address] = value
    if raw:
        sys.exit(f"unknown tables in {path}: {', '.join(raw)}")
    return tables


def build_device(tables, unit):
    """Describe the tables as a SimDevice with four separate blocks."""

    def block(table, datatype, placeholder):
        runs = []  # [start, [values]] per run of consecutive addresses
        for address, value in sorted(tables[table].items()):
            if runs and runs[-1][0] + len(runs[-1][1]) == address:
                runs[-1][1].append(value)
            else:
                runs.append([address, [value]])
        entries = [SimData(a, values=v, datatype=datatype) for a, v in runs]
        # SimDevice needs an entry in every block. An empty table gets a
        # placeholder that is refused: INVALID registers by SimDevice itself,
        # the bit by GatewayCore (its address is not listed).
        return entries or [placeholder]

    no_bit = SimData(0, values=[False], datatype=DataType.BITS)
    no_reg = SimData(0, datatype=DataType.INVALID)
    return SimDevice(
        id=0 if unit is None else unit,
        simdata=(
            block("coils", DataType.BITS, no_bit),
            block("discrete", DataType.BITS, no_bit),
            block("holding", DataType.REGISTERS, no_reg),
            block("input", DataType.REGISTERS, no_reg),
        ),
    )


class GatewayCore(SimCore):
    """The SimDevice data store plus what SimDevice cannot express.

    SimDevice already refuses unlisted registers with exception 2, but it
    marks validity per 16 bits for coils and discrete inputs, so a hole among
    bits would read as False; this class refuses it. It also counts writes,
    and turns a request to a unit other than --unit into NoSuchIdException,
    which the server (ignore_missing_devices=True) leaves unanswered.
    """

    def __init__(self, device, tables, unit):
        super().__init__(device)
        self.tables = tables
        self.unit = unit
        self.writes = 0

    def refuse(self, device_id, func_code, address, count):
        if self.unit is not None and device_id != self.unit:
            raise NoSuchIdException(f"unit {device_id} is not served")
        listed = self.tables.get(BIT_TABLE_OF_FC.get(func_code), None)
        if listed is not None and any(
            a not in listed for a in range(address, address + count)
        ):
            return ExcCodes.ILLEGAL_ADDRESS
        return None

    async def async_getValues(self, device_id, func_code, address, count=1):
        if exc := self.refuse(device_id, func_code, address, count):
            return exc
        return await super().async_getValues(device_id, func_code, address, count)

    async def async_setValues(self, device_id, func_code, address, values):
        exc = self.refuse(device_id, func_code, address, len(values))
        if func_code in WRITE_FCS:
            self.writes += 1  # refused ones too: the request did arrive
        if exc:
            return exc
        return await super().async_setValues(device_id, func_code, address, values)


def say(line):
    """Print one protocol line; if the reader is gone, drop further output."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def watch_stdin(loop, stop):
    """Block on stdin in a thread; set stop when it reaches EOF."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except (OSError, ValueError):
        pass  # closed stdin counts as EOF
    loop.call_soon_threadsafe(stop.set)


async def serve(args):
    tables = load_values(args.values)
    device = build_device(tables, args.unit)
    if args.serial:
        server = ModbusSerialServer(
            device, port=args.serial, framer=FramerType.RTU, baudrate=args.baud,
            ignore_missing_devices=True,
        )
    else:
        framer = FramerType.RTU if args.framer == "rtu" else FramerType.SOCKET
        server = ModbusTcpServer(
            device, address=(HOST, args.port), framer=framer, ignore_missing_devices=True
        )
    # The server builds a plain SimCore from the SimDevice; use ours instead.
    server.context = core = GatewayCore(device, tables, args.unit)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()

    await server.serve_forever(background=True)  # returns once listening
    if args.serial:
        say("LISTENING SERIAL 0")
    else:
        port = server.transport.sockets[0].getsockname()[1]
        say(f"LISTENING {HOST} {port}")
    await stop.wait()
    await server.shutdown()
    say(f"WRITES {core.writes}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", required=True, help="JSON file of values")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--unit", type=int, help="only answer this unit id")
    parser.add_argument("--framer", choices=["socket", "rtu"], default="socket")
    parser.add_argument("--serial", help="serve RTU on this serial port instead of TCP")
    parser.add_argument("--baud", type=int, default=9600)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
