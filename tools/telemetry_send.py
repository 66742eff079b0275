#!/usr/bin/env python3
"""tools/telemetry_send.py - streams telemetry datagrams to a running Labyrinth and prints
what its acknowledgements say, with round trips.

With `make run NET=user,model=e1000,hostfwd=udp:127.0.0.1:5555-:5555`, QEMU forwards the
host's UDP port 5555 to the guest's telemetry port, and the acknowledgements come back the
same way:

    tools/telemetry_send.py --count 1000 --rate 500

The format is lib/telemetry.h's: a 24-byte header (magic "LBTM", type, flags, length,
sequence number, timestamp), the payload, a CRC-32. Python standard library only.
"""

import argparse
import socket
import struct
import time
import zlib

HEADER = struct.Struct("!IBBHQQ")
MAGIC, DATA, ACK, ACK_NOW = 0x4C42544D, 1, 2, 1
FIELDS = ("highest", "received", "corrupt", "duplicate", "out_of_order", "missing", "stale",
          "bytes")


def message(sequence, payload, flags):
    body = HEADER.pack(MAGIC, DATA, flags, len(payload), sequence, time.monotonic_ns()) + payload
    return body + struct.pack("!I", zlib.crc32(body))


def acknowledgement(data):
    """(sequence, echoed timestamp, counts) of an acknowledgement, or None."""
    if len(data) != HEADER.size + 64 + 4 or zlib.crc32(data[:-4]) != \
            struct.unpack("!I", data[-4:])[0]:
        return None
    magic, kind, _, _, sequence, timestamp = HEADER.unpack(data[:HEADER.size])
    if magic != MAGIC or kind != ACK:
        return None
    counts = dict(zip(FIELDS, struct.unpack("!8Q", data[HEADER.size:HEADER.size + 64])))
    return sequence, timestamp, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5555)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500, help="datagrams per second")
    parser.add_argument("--size", type=int, default=64, help="payload bytes")
    parser.add_argument("--first", type=int, default=0, help="first sequence number")
    args = parser.parse_args()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setblocking(False)
    round_trips, last = [], None
    started = time.monotonic()
    for index in range(args.count):
        delay = started + index / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sequence = args.first + index
        payload = (sequence.to_bytes(8, "big") * (args.size // 8 + 1))[:args.size]
        sender.sendto(message(sequence, payload, ACK_NOW if index == args.count - 1 else 0),
                      (args.host, args.port))
        last = drain(sender, round_trips) or last
    sender.settimeout(2)
    try:
        while True:
            data = sender.recv(2048)
            ack = acknowledgement(data)
            if ack:
                round_trips.append((time.monotonic_ns() - ack[1]) / 1e6)
                last = ack
    except (socket.timeout, BlockingIOError):
        pass
    if not last:
        print("no acknowledgement came back")
        return 1
    print(f"{len(round_trips)} acknowledgements; the last, for {last[0]}: {last[2]}")
    round_trips.sort()
    print(f"round trip: median {round_trips[len(round_trips) // 2]:.2f} ms, "
          f"longest {round_trips[-1]:.2f} ms")
    return 0


def drain(sender, round_trips):
    """Reads the acknowledgements that have arrived; returns the last one, or None."""
    last = None
    while True:
        try:
            ack = acknowledgement(sender.recv(2048))
        except BlockingIOError:
            return last
        if ack:
            round_trips.append((time.monotonic_ns() - ack[1]) / 1e6)
            last = ack


if __name__ == "__main__":
    raise SystemExit(main())
