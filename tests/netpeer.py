"""tests/netpeer.py - the host's end of the guest's network cable, for the network tests.

QEMU is started with `-netdev dgram`: every Ethernet frame the guest's e1000 sends arrives
here as one UDP datagram, and every datagram sent to QEMU's port reaches the card as one
frame. No host network stack is involved, so a test decides every byte: ARP, IPv4, UDP and
the telemetry format are built and parsed below, checksums and CRC included (independently
of the kernel's lib/net.c, which they check).
"""

import socket
import struct
import zlib

HOST_MAC = bytes.fromhex("525400000002")
GUEST_MAC = bytes.fromhex("525400123456")
HOST_IP = bytes([10, 0, 2, 2])
GUEST_IP = bytes([10, 0, 2, 15])
BROADCAST = b"\xff" * 6
HOST_PORT = 40000
TELEMETRY_PORT = 5555

TELEMETRY_MAGIC = 0x4C42544D
TELEMETRY_DATA, TELEMETRY_ACK, ACK_NOW = 1, 2, 1
TELEMETRY_HEADER = struct.Struct("!IBBHQQ")  # magic, type, flags, length, sequence, timestamp
ACK_BODY = struct.Struct("!8Q")  # highest, received, corrupt, duplicate, out of order, missing,
#                                  stale, bytes
ACK_FIELDS = ("highest", "received", "corrupt", "duplicate", "out_of_order", "missing",
              "stale", "bytes")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def checksum(data):
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(payload, ethertype, destination=GUEST_MAC, source=HOST_MAC, pad=True):
    frame = destination + source + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * (60 - len(frame)) if pad and len(frame) < 60 else frame


def arp(operation=1, target_ip=GUEST_IP, hardware_length=6, protocol=0x0800):
    body = struct.pack("!HHBBH", 1, protocol, hardware_length, 4, operation)
    body += HOST_MAC + HOST_IP + b"\0" * 6 + target_ip
    return ethernet(body, 0x0806, destination=BROADCAST)


def ipv4(payload, protocol=17, source=HOST_IP, destination=GUEST_IP, total=None,
         fragment=0x4000, version=4, ident=1):
    header = struct.pack("!BBHHHBBH4s4s", version << 4 | 5, 0,
                         20 + len(payload) if total is None else total, ident, fragment, 64,
                         protocol, 0, source, destination)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(payload, source_port=HOST_PORT, destination_port=TELEMETRY_PORT, source=HOST_IP,
        destination=GUEST_IP, length=None):
    header = struct.pack("!HHHH", source_port, destination_port,
                         8 + len(payload) if length is None else length, 0)
    pseudo = source + destination + struct.pack("!BBH", 0, 17, 8 + len(payload))
    total = checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", total) + payload


def udp_frame(payload, destination_port=TELEMETRY_PORT, **ip_options):
    return ethernet(ipv4(udp(payload, destination_port=destination_port), **ip_options), 0x0800)


def telemetry(sequence, timestamp, payload, flags=0, kind=TELEMETRY_DATA):
    message = TELEMETRY_HEADER.pack(TELEMETRY_MAGIC, kind, flags, len(payload), sequence,
                                    timestamp) + payload
    return message + struct.pack("!I", zlib.crc32(message))


def payload_for(sequence, size):
    """A payload every byte of which depends on the sequence number, so a datagram delivered
    under the wrong number, or damaged, does not pass for another."""
    seed = sequence.to_bytes(8, "big")
    return (seed * (size // 8 + 1))[:size]


def parse_frame(frame):
    """What a frame from the guest is: ('arp', fields), ('udp', fields) or ('other', None).
    Checks every checksum on the way, raising AssertionError when one is wrong."""
    if len(frame) < 14:
        return "other", None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0806:
        hardware, protocol, hlen, plen, operation = struct.unpack("!HHBBH", frame[14:22])
        return "arp", {"operation": operation, "sender_mac": frame[22:28],
                       "sender_ip": frame[28:32], "target_mac": frame[32:38],
                       "target_ip": frame[38:42], "destination": frame[0:6],
                       "source": frame[6:12]}
    if ethertype != 0x0800:
        return "other", None
    ip = frame[14:]
    header_length = (ip[0] & 15) * 4
    assert checksum(ip[:header_length]) == 0, "bad IPv4 header checksum from the guest"
    total = struct.unpack("!H", ip[2:4])[0]
    datagram = ip[header_length:total]
    source_port, destination_port, length, _ = struct.unpack("!HHHH", datagram[:8])
    pseudo = ip[12:16] + ip[16:20] + struct.pack("!BBH", 0, 17, length)
    assert checksum(pseudo + datagram[:length]) == 0, "bad UDP checksum from the guest"
    return "udp", {"source_ip": ip[12:16], "destination_ip": ip[16:20],
                   "source_port": source_port, "destination_port": destination_port,
                   "payload": datagram[8:length], "destination": frame[0:6],
                   "source": frame[6:12]}


def parse_ack(payload):
    """The fields of a telemetry acknowledgement (CRC checked), or None."""
    if len(payload) < TELEMETRY_HEADER.size + 4:
        return None
    if zlib.crc32(payload[:-4]) != struct.unpack("!I", payload[-4:])[0]:
        raise AssertionError("acknowledgement with a bad CRC")
    magic, kind, _, length, sequence, timestamp = TELEMETRY_HEADER.unpack(
        payload[:TELEMETRY_HEADER.size])
    if magic != TELEMETRY_MAGIC or kind != TELEMETRY_ACK or length != ACK_BODY.size:
        return None
    fields = dict(zip(ACK_FIELDS, ACK_BODY.unpack(payload[24:24 + ACK_BODY.size])))
    fields.update(sequence=sequence, timestamp=timestamp)
    return fields


class Peer:
    """A UDP socket standing in for the wire: frames to the guest, frames from it."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.guest_port = free_udp_port()

    def qemu_arguments(self, mac="52:54:00:12:34:56", bus=None):
        device = f"e1000,netdev=n0,mac={mac}" + (f",bus={bus},addr=1" if bus else "")
        return ["-device", device, "-netdev",
                f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,"
                f"local.port={self.guest_port},remote.type=inet,remote.host=127.0.0.1,"
                f"remote.port={self.port}"]

    def send(self, frame):
        self.socket.sendto(frame, ("127.0.0.1", self.guest_port))

    def receive(self, timeout):
        """The next frame from the guest, or None after timeout seconds."""
        self.socket.settimeout(timeout)
        try:
            return self.socket.recv(65536)
        except socket.timeout:
            return None

    def close(self):
        self.socket.close()
