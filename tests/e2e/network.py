"""tests/e2e/network.py - the e1000 and the telemetry service seen from the wire. Each test
boots its own QEMU with the card on a `-netdev dgram` cable whose far end is a UDP socket
here (tests/netpeer.py builds and checks every byte), then speaks ARP and the telemetry
format to the guest and reads its counters with netstat:

- a paced stream of 10,000 datagrams: every one received intact, in order, acknowledged;
- a flood with memory plentiful: every datagram received or counted missing, none corrupt,
  no frame left behind, and the shell answers while it lasts;
- a flood with ordinary memory exhausted (`memhog kernel`), on two CPUs, pc and q35: the
  handler lands packets in its claimed pads, every packet is counted by the card, the driver,
  the allocator and the stack, and they agree; after `memhog release` the stream catches up;
- 10,000 datagrams on two CPUs, pc and q35, the card's line level-triggered at the IOAPIC,
  sent a window at a time: every one received;
- one malformed frame per drop cause, each counted under its own name;
- the options net_ip= and telemetry_port=, and their bad values;
- lspci on pc (with the card behind a PCI-to-PCI bridge) and on q35.
"""

import re
import statistics
import threading
import time

import netpeer
from e2e import Skipped
from e2e.shell import PROMPT, command_output, run_command
from qemu import Machine

PACED_DATAGRAMS = 10000
PACED_RATE = 2000  # datagrams/s; the guest kept up with 12,000/s under TCG on an idle host
PAYLOAD = 64
FLOOD_DATAGRAMS = 20000


class Acks:
    """Collects the guest's frames in a thread: ARP replies and telemetry acknowledgements
    (each with the time it arrived, for round trips)."""

    def __init__(self, peer):
        self.peer, self.acks, self.arp_replies, self.others = peer, [], [], []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                frame = self.peer.receive(0.2)
            except OSError:  # the peer was closed: the test is over
                return
            if frame is None:
                continue
            now = time.monotonic_ns()
            kind, fields = netpeer.parse_frame(frame)
            with self.lock:
                if kind == "arp" and fields["operation"] == 2:
                    self.arp_replies.append(fields)
                elif kind == "udp" and netpeer.parse_ack(fields["payload"]):
                    ack = netpeer.parse_ack(fields["payload"])
                    ack.update(arrived=now, fields=fields)
                    self.acks.append(ack)
                else:
                    self.others.append((kind, fields))

    def wait(self, condition, timeout):
        """Waits until condition(self) is true; returns whether it became so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if condition(self):
                    return True
            time.sleep(0.02)
        return False

    def last(self):
        with self.lock:
            return self.acks[-1] if self.acks else None

    def close(self):
        self.running = False
        self.thread.join(timeout=2)


def boot(context, cmdline="", machine="pc", bus=None, extra=(), cpus=1):
    """Boots with the card cabled to a fresh Peer; returns (session, peer, acks)."""
    peer = netpeer.Peer()
    context.sessions.append(peer)  # closed with the sessions
    arguments = list(extra) + peer.qemu_arguments(bus=bus)
    session = context.session(cmdline, Machine(machine, "128M", extra=arguments, cpus=cpus))
    session.wait_for(re.escape(PROMPT), timeout=30)
    if cpus > 1:  # the card's line at the IOAPIC, level-triggered as PCI INTx is
        log = session.output()
        assert re.search(r"^e1000: .*irq \d+ \(level-triggered\)", log, re.M), log[-2000:]
        assert f"smp: {cpus} CPUs online" in log, log[-2000:]
    acks = Acks(peer)
    context.sessions.append(acks)
    return session, peer, acks


def resolve(peer, acks, target_ip=netpeer.GUEST_IP, timeout=15):
    """Asks "who has target_ip?" until the guest answers (QEMU's e1000 holds received frames
    for a second after the driver enables its receiver); returns the reply's fields."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        peer.send(netpeer.arp(target_ip=target_ip))
        if acks.wait(lambda a: a.arp_replies, 0.5):
            return acks.arp_replies[0]
    raise AssertionError(f"no ARP reply for {'.'.join(map(str, target_ip))} in {timeout} s")


def figures(text):
    """netstat's output as {section: {name: number}}."""
    result = {}
    for line in text.splitlines():
        section, _, rest = line.partition(": ")
        pairs = re.findall(r"([a-z][a-z ]*?) (\d+)(?=,|$)", rest)
        if pairs:
            result[section] = {name: int(value) for name, value in pairs}
    return result


def netstat(session):
    return figures(run_command(session, "netstat", timeout=20))


def datagram(sequence, flags=0, port=netpeer.TELEMETRY_PORT, size=PAYLOAD):
    message = netpeer.telemetry(sequence, time.monotonic_ns(), netpeer.payload_for(sequence, size),
                                flags)
    return netpeer.udp_frame(message, destination_port=port)


def fence(peer, acks, sequence, timeout=30):
    """Sends `sequence` asking for an acknowledgement until one for it comes back: every
    frame sent before it has then been consumed. Returns that acknowledgement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        peer.send(datagram(sequence, netpeer.ACK_NOW))
        if acks.wait(lambda a: any(x["sequence"] == sequence for x in a.acks), 0.5):
            return next(x for x in acks.acks if x["sequence"] == sequence)
    raise AssertionError(f"no acknowledgement of {sequence} in {timeout} s")


def check_frames_accounted(stats):
    """Every frame the handler refilled was handed over and consumed; none is waiting; the
    card holds all its buffers but the one held back."""
    frames, ring = stats["frames"], stats["ring"]
    assert frames["taken"] == frames["handed"] == frames["consumed"], f"frames: {frames}"
    assert ring["queued"] == 0 and ring["rx with card"] == ring["rx size"] - 1, f"ring: {ring}"


# --- the paced stream ------------------------------------------------------------------------

BURST_MAX = 32  # datagrams sent back to back at most, when the sender falls behind


def send_paced(peer, count, rate):
    """Sends at `rate` per second. A sender the host descheduled does not catch up in one
    burst (QEMU's socket buffer holds a few hundred datagrams): it moves its schedule."""
    return send_paced_from(peer, 0, count, rate)


def send_paced_from(peer, first, count, rate):
    """send_paced, from sequence number `first`; the last datagram asks for an ack."""
    started = time.monotonic()
    schedule = started
    for i in range(count):
        delay = schedule + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -BURST_MAX / rate:
            schedule -= delay + BURST_MAX / rate
        peer.send(datagram(first + i, netpeer.ACK_NOW if i == count - 1 else 0))
    return time.monotonic() - started


class LostBeforeTheCard(AssertionError):
    """Datagrams the card never saw: QEMU, descheduled by a loaded host, let its socket
    overflow. The guest dropped nothing it was given."""


def lost_before_the_card(session, final):
    """Raises LostBeforeTheCard when every missing datagram is one the card never received:
    the card's count equals the frames handed on, the handler dropped none, and the stack
    received every frame handed to it."""
    stats = netstat(session)
    frames, card = stats["frames"], stats["card"]
    dropped = sum(frames[k] for k in ("recycled no frame", "recycled queue full",
                                      "recycled card error"))
    if dropped == 0 and card["received"] == frames["handed"] == frames["consumed"] and \
            card["missed"] == card["no buffer"] == 0 and final["corrupt"] == 0 and \
            stats["telemetry"]["received"] == stats["accepted"]["udp"]:
        raise LostBeforeTheCard(f"{final['missing']} datagrams never reached the card "
                                f"(it received {card['received']} frames, all handed on)")


def paced_stream_is_received_in_order_and_acknowledged(context):
    """Once more, on a fresh boot, when the first stream lost datagrams before the card only:
    the guest is not at fault for those, but the second stream must then be whole."""
    try:
        paced_stream(context)
    except LostBeforeTheCard as loss:
        context.notes.append(f"first stream: {loss}; streamed again")
        paced_stream(context)


def paced_stream(context):
    session, peer, acks = boot(context)
    reply = resolve(peer, acks)
    assert reply["sender_mac"] == netpeer.GUEST_MAC and reply["sender_ip"] == netpeer.GUEST_IP, \
        f"ARP reply from {reply['sender_mac'].hex()} for {reply['sender_ip'].hex()}"
    assert reply["destination"] == netpeer.HOST_MAC, "the ARP reply was not sent to the asker"
    seconds = send_paced(peer, PACED_DATAGRAMS, PACED_RATE)
    last = PACED_DATAGRAMS - 1
    if not acks.wait(lambda a: a.acks and a.acks[-1]["sequence"] == last, 30):
        final = fence(peer, acks, last)  # the last datagram itself may be the one lost
        lost_before_the_card(session, final)
        raise AssertionError(f"no final acknowledgement; then {final}")
    final = acks.last()
    want = dict(highest=last, received=PACED_DATAGRAMS, corrupt=0, duplicate=0,
                out_of_order=0, missing=0, stale=0, bytes=PACED_DATAGRAMS * PAYLOAD)
    if not all(final[k] == v for k, v in want.items()):
        lost_before_the_card(session, final)
        raise AssertionError(f"final acknowledgement {final}")
    # One acknowledgement per 16 datagrams, each for the 16th, in order, echoing its stamp.
    sequences = [a["sequence"] for a in acks.acks]
    assert sequences == list(range(15, PACED_DATAGRAMS, 16)), \
        f"{len(sequences)} acknowledgements, first {sequences[:3]}, last {sequences[-3:]}"
    for ack in acks.acks:
        fields = ack["fields"]
        assert fields["destination_port"] == netpeer.HOST_PORT and \
            fields["source_port"] == netpeer.TELEMETRY_PORT, f"acknowledgement to {fields}"
    stats = netstat(session)
    telemetry = stats["telemetry"]
    assert telemetry["received"] == PACED_DATAGRAMS and telemetry["missing"] == 0, telemetry
    check_frames_accounted(stats)
    assert stats["frames"]["recycled no frame"] + stats["frames"]["recycled queue full"] == 0
    rtt = sorted((a["arrived"] - a["timestamp"]) / 1e6 for a in acks.acks)
    context.notes.append(
        f"{PACED_DATAGRAMS} datagrams in {seconds:.2f} s ({PACED_DATAGRAMS / seconds:.0f}/s), "
        f"{len(acks.acks)} acknowledgements, round trip p50 {statistics.median(rtt):.2f} ms, "
        f"p99 {rtt[int(len(rtt) * 0.99)]:.2f} ms; handler {stats['handler']['cycles per packet']}"
        f" cycles/packet, consumer {stats['consumer']['cycles per frame']} cycles/frame")


WINDOW = 64  # datagrams in flight at most: half the ring, whatever the host's load


def send_windowed(peer, acks, first, count, window=WINDOW):
    """Sends `count` datagrams from sequence `first`, `window` at a time, the last of each
    asking for an acknowledgement that is awaited before the next: nothing can be lost for
    want of speed, however slowly the host runs the guest. Returns the last acknowledgement."""
    for start in range(first, first + count, window):
        end = min(start + window, first + count)
        for sequence in range(start, end):
            peer.send(datagram(sequence, netpeer.ACK_NOW if sequence == end - 1 else 0))
        assert acks.wait(lambda a: any(x["sequence"] == end - 1 for x in a.acks[-4:]), 30), \
            f"no acknowledgement of {end - 1}; last was {acks.last()}"
    return next(x for x in reversed(acks.acks) if x["sequence"] == first + count - 1)


def windowed_stream_on_two_cpus_is_received_whole(context, machine):
    """10,000 datagrams through the IOAPIC's level-triggered line with two CPUs up: every one
    received intact, in order, none dropped. (Windowed, not paced: two guest CPUs under TCG
    on a shared host may pause for a second, which no fixed rate survives.)"""
    session, peer, acks = boot(context, machine=machine, cpus=2)
    resolve(peer, acks)
    final = send_windowed(peer, acks, 0, PACED_DATAGRAMS)
    want = dict(highest=PACED_DATAGRAMS - 1, received=PACED_DATAGRAMS, corrupt=0, duplicate=0,
                out_of_order=0, missing=0, stale=0, bytes=PACED_DATAGRAMS * PAYLOAD)
    assert all(final[k] == v for k, v in want.items()), f"final acknowledgement {final}"
    stats = netstat(session)
    check_frames_accounted(stats)
    dropped = sum(stats["frames"][k] for k in ("recycled no frame", "recycled queue full",
                                               "recycled card error"))
    assert dropped == 0, stats["frames"]
    irqstat = run_command(session, "irqstat")
    context.notes.append(f"{machine}, 2 CPUs: {PACED_DATAGRAMS} datagrams received whole; "
                         f"pads {stats['pads']}; e1000 lines of irqstat: " +
                         "; ".join(l.strip() for l in irqstat.splitlines() if "e1000" in l))


# --- the flood ---------------------------------------------------------------------------------

def flood_loses_nothing_unaccounted_and_the_shell_answers(context):
    session, peer, acks = boot(context)
    resolve(peer, acks)
    before = netstat(session)
    started = time.monotonic()
    echo = None
    for sequence in range(FLOOD_DATAGRAMS):
        peer.send(datagram(sequence))
        if sequence == FLOOD_DATAGRAMS // 2:
            echo = session.position()
            session.send_serial("echo during-the-flood\r")
    sent_seconds = time.monotonic() - started
    session.wait_for(r"during-the-flood\n(?:.*\n)*?during-the-flood\n", timeout=30, start=echo)
    final = fence(peer, acks, FLOOD_DATAGRAMS)
    seconds = time.monotonic() - started
    total = FLOOD_DATAGRAMS + 1
    assert final["corrupt"] == 0 and final["duplicate"] == 0 and final["stale"] == 0, final
    assert final["highest"] == FLOOD_DATAGRAMS, final
    assert final["received"] + final["missing"] == total, final
    assert final["bytes"] == final["received"] * PAYLOAD, final
    after = netstat(session)
    check_frames_accounted(after)

    def delta(section, name):
        return after[section][name] - before[section][name]
    recycled = sum(delta("frames", k) for k in
                   ("recycled no frame", "recycled queue full", "recycled card error"))
    assert delta("card", "received") == delta("frames", "handed") + recycled, \
        f"card {delta('card', 'received')}, handed {delta('frames', 'handed')}, " \
        f"recycled {recycled}"
    assert delta("telemetry", "received") == final["received"]
    meminfo = run_command(session, "meminfo")
    assert "errors: double free 0, not allocated 0," in meminfo and \
        "EXCLUSIVE refused: wrong owner 0," in meminfo, meminfo
    context.notes.append(
        f"flood of {total} datagrams sent in {sent_seconds:.2f} s "
        f"({FLOOD_DATAGRAMS / sent_seconds:.0f}/s): {final['received']} received, "
        f"{final['missing']} missing ({recycled} dropped by the handler, the rest lost before "
        f"the card), all accounted in {seconds:.1f} s")


# --- the flood with ordinary memory exhausted ---------------------------------------------------

MEMHOG_SECONDS = 60  # GFP_KERNEL may wait for memory: memhog kernel may take a while, or block


LEAK_SLACK = 2  # frames the sensor and the shell may hold at one moment and not the other


def allocated_frames(session):
    """Frames allocated now, less those on their way from a handler to a consumer (meminfo);
    checks meminfo's error counts on the way."""
    meminfo = run_command(session, "meminfo")
    assert "errors: double free 0, not allocated 0," in meminfo and \
        "EXCLUSIVE refused: wrong owner 0," in meminfo, meminfo
    allocated = re.search(r"^page_alloc: managed .*, allocated (\d+),", meminfo, re.M)
    in_flight = re.search(r"^frames in flight from interrupt handlers to their consumers: "
                          r"(\d+)", meminfo, re.M)
    assert allocated and in_flight, meminfo
    return int(allocated.group(1)) - int(in_flight.group(1))


def memhog_kernel(session):
    """Runs `memhog kernel`; returns the frames it holds, or None when it did not return
    (GFP_KERNEL waiting for memory that does not come: the shell is held)."""
    start = session.position()
    session.send_serial("memhog kernel\r")
    try:
        output = command_output(session, start, MEMHOG_SECONDS)
    except TimeoutError:  # memhog is still waiting
        return None
    match = re.search(r"memhog: holding (\d+) frames", output)
    assert match, f"memhog kernel printed:\n{output}"
    return int(match.group(1))


def flood(peer, session, count, first=0):
    """Sends `count` datagrams back to back from sequence `first`, typing an echo in the
    middle when a session is given; returns (frames sent, where the echo was typed)."""
    echo = None
    for sequence in range(first, first + count):
        peer.send(datagram(sequence))
        if session and sequence == first + count // 2:
            echo = session.position()
            session.send_serial("echo during-the-flood\r")
    return count, echo


def check_flood_counts(before, after, final, sent, distinct):
    """Every frame counted once, by the card, the driver, the allocator and the stack, and
    their counts agree; every sequence number received or missing."""
    def delta(section, name):
        return after[section][name] - before[section][name]
    dropped = {name: delta("frames", "recycled " + name)
               for name in ("no frame", "queue full", "card error")}
    card, handed = delta("card", "received"), delta("frames", "handed")
    assert card == handed + sum(dropped.values()), \
        f"the card received {card}, the handler handed {handed} and dropped {dropped}"
    assert card <= sent, f"the card received {card} of {sent} frames sent"
    assert handed == delta("frames", "consumed") == delta("accepted", "udp"), after
    assert delta("accepted", "udp") == delta("telemetry", "received") + \
        delta("telemetry", "duplicate"), after["telemetry"]
    assert final["corrupt"] == 0 and final["stale"] == 0, final
    assert final["received"] + final["missing"] == distinct, (final, distinct)
    assert delta("telemetry", "received") == final["received"], (after["telemetry"], final)
    # The allocator's account of the handler against the driver's: each refill a take, each
    # "no frame" a take refused. (Takes from the pool are no contradiction: each frame the
    # consumer frees beyond the pads' top-up lifts the pool above min by one.)
    takes = sum(delta("pads", k) for k in ("own", "shared", "pool", "below min"))
    assert takes == delta("frames", "taken"), f"pads {after['pads']}, frames {after['frames']}"
    assert delta("pads", "refused") == dropped["no frame"], (after["pads"], dropped)
    assert delta("pads", "own") > 0, f"the handler's own pads served nothing: {after['pads']}"
    return card, handed, dropped


def catch_up(peer, acks, before, count):
    """A stream after the release, from the sequence number after the acknowledgement
    `before`: every datagram received, none missing."""
    first = before["sequence"] + 1
    final = send_windowed(peer, acks, first, count)
    last = first + count - 1
    assert final["received"] == before["received"] + count, (before, final)
    assert final["missing"] == before["missing"] and final["highest"] == last, (before, final)
    return final


def flood_with_memory_exhausted_is_counted_and_caught_up(context, machine="pc"):
    session, peer, acks = boot(context, machine=machine, cpus=2)
    resolve(peer, acks)
    start = netstat(session)
    assert start["pads"]["claimed"] > 0 and start["pads"]["level"] > 0, \
        f"the receive handler has no pads of its own: {start['pads']}"
    allocated = allocated_frames(session)
    held = memhog_kernel(session)
    sent, echo = flood(peer, None if held is None else session, FLOOD_DATAGRAMS)
    final = fence(peer, acks, FLOOD_DATAGRAMS)
    assert final["corrupt"] == 0 and final["received"] + final["missing"] == sent + 1, final
    if held is None:
        raise Skipped(f"memhog kernel did not return in {MEMHOG_SECONDS} s (GFP_KERNEL waits for "
                      f"memory): the flood was checked from the wire only ({final['received']} "
                      f"received, {final['missing']} missing, 0 corrupt); netstat's counts and "
                      f"the catch-up after the release were not")
    session.wait_for(r"during-the-flood\n(?:.*\n)*?during-the-flood\n", timeout=30, start=echo)
    during = netstat(session)
    card, handed, dropped = check_flood_counts(start, during, final, sent + 1, sent + 1)
    check_frames_accounted(during)
    released = run_command(session, "memhog release", timeout=30)
    # memhog's thread waits for memory at min: the frees of the receive path during the flood
    # may have given it more than it held when its command returned, never fewer.
    match = re.search(r"memhog: released (\d+) frames", released)
    assert match and int(match.group(1)) >= held and "memhog: holding 0 frames" in released, \
        released
    caught = catch_up(peer, acks, final, PACED_DATAGRAMS // 5)
    for _ in range(10):  # the refill runs as deferred work on each CPU
        after = netstat(session)
        if after["pads"]["level"] == after["pads"]["claimed"]:
            break
        time.sleep(0.5)
    check_frames_accounted(after)
    assert after["pads"]["level"] == after["pads"]["claimed"], f"pads not refilled: {after}"
    leaked = allocated_frames(session) - allocated
    assert leaked <= LEAK_SLACK, f"{leaked} more frames allocated than before the flood"
    context.notes.append(
        f"{machine}, 2 CPUs, memhog holding {held} frames: {sent + 1} datagrams sent, the card "
        f"received {card}, the handler handed {handed} and dropped {dropped}; pads: "
        f"{ {k: during['pads'][k] - start['pads'][k] for k in during['pads']} }; after the "
        f"release {PACED_DATAGRAMS // 5} more, all received ({caught['received']} in all); "
        f"{leaked} frames more allocated than before")


# --- malformed frames --------------------------------------------------------------------------

def malformed_frames():
    """(counter, frame) pairs: each frame breaks one rule, which netstat must count."""
    good = netpeer.udp_frame(b"x" * 30)
    bad_ip_checksum = bytearray(good)
    bad_ip_checksum[24] ^= 0xFF
    bad_udp_checksum = bytearray(netpeer.udp_frame(b"y" * 30))
    bad_udp_checksum[50] ^= 0x01
    corrupt_telemetry = bytearray(netpeer.telemetry(7, 0, b"payload"))
    corrupt_telemetry[-1] ^= 0x01
    oversize = netpeer.udp_frame(b"z" * (1518 - 14 - 20 - 8))
    assert len(oversize) == 1518
    return [
        (("dropped", "oversize"), oversize),
        (("card", "oversize"), netpeer.udp_frame(b"w" * 1958)),  # 2000 bytes: the card refuses
        (("dropped", "ethertype"), netpeer.ethernet(b"\x60" + b"\0" * 50, 0x86DD)),
        (("dropped", "arp malformed"), netpeer.arp(hardware_length=8)),
        (("dropped", "arp other"), netpeer.arp(operation=2)),
        (("dropped", "ip header"), netpeer.ethernet(netpeer.ipv4(b"\0" * 30, version=6), 0x0800)),
        (("dropped", "ip checksum"), bytes(bad_ip_checksum)),
        (("dropped", "ip length"),
         netpeer.ethernet(netpeer.ipv4(netpeer.udp(b"v" * 30), total=20 + 8 + 30 + 10), 0x0800)),
        (("dropped", "fragment"),
         netpeer.ethernet(netpeer.ipv4(netpeer.udp(b"u" * 30), fragment=0x2000), 0x0800)),
        (("dropped", "not for us"),
         netpeer.ethernet(netpeer.ipv4(netpeer.udp(b"t" * 30), destination=bytes([10, 0, 2, 99])),
                          0x0800)),
        (("dropped", "protocol"), netpeer.ethernet(netpeer.ipv4(b"\x08" + b"\0" * 30, protocol=1),
                                                   0x0800)),
        (("dropped", "udp truncated"), netpeer.ethernet(netpeer.ipv4(b"\0" * 4), 0x0800)),
        (("dropped", "udp length"),
         netpeer.ethernet(netpeer.ipv4(netpeer.udp(b"s" * 30, length=8 + 20)), 0x0800)),
        (("dropped", "udp checksum"), bytes(bad_udp_checksum)),
        (("dropped", "no listener"), netpeer.udp_frame(b"r" * 30, destination_port=9)),
        (("telemetry", "corrupt"), netpeer.udp_frame(bytes(corrupt_telemetry))),
    ]


def malformed_frames_are_counted_by_cause(context):
    session, peer, acks = boot(context)
    resolve(peer, acks)
    before = netstat(session)
    cases = malformed_frames()
    for _, frame in cases:
        peer.send(frame)
    # A runt: the first 40 bytes of a good datagram. QEMU before 8.1 pads what it hands the
    # e1000 to 60 bytes, and then the IP header claims more bytes than the frame has.
    runt = netpeer.udp_frame(b"q" * 30)[:40]
    peer.send(runt)
    fence(peer, acks, 0)
    after = netstat(session)

    def delta(section, name):
        return after[section][name] - before[section][name]
    expected = {}
    for counter, _ in cases:
        expected[counter] = expected.get(counter, 0) + 1
    runt_counted = delta("dropped", "runt")
    padded = delta("dropped", "ip length") - expected[("dropped", "ip length")]
    assert (runt_counted, padded) in ((1, 0), (0, 1)), \
        f"the runt was counted as runt {runt_counted} times and as ip length {padded} times"
    expected[("dropped", "runt")] = runt_counted
    expected[("dropped", "ip length")] += padded
    wrong = [f"{section} {name} +{delta(section, name)}, expected +{count}"
             for (section, name), count in expected.items() if delta(section, name) != count]
    wrong += [f"dropped {name} +{delta('dropped', name)}, expected +0"
              for name in after["dropped"]
              if ("dropped", name) not in expected and delta("dropped", name)]
    assert not wrong, "counted wrongly: " + "; ".join(wrong)
    assert delta("accepted", "udp") == 3, after["accepted"]  # no listener, corrupt, the fence
    assert delta("telemetry", "received") == 1 and delta("telemetry", "corrupt") == 1
    check_frames_accounted(after)
    assert delta("card", "received") == delta("frames", "handed"), "the card and the queue differ"
    context.notes.append("the runt arrived " + ("as it was sent" if runt_counted else
                                                "padded to 60 bytes by QEMU's e1000"))


# --- options -----------------------------------------------------------------------------------

def options_set_the_address_and_port_and_bad_values_take_one_line(context):
    session, peer, acks = boot(context, "net_ip=192.168.7.9 telemetry_port=6001")
    log = session.output()
    assert "net: 192.168.7.9 on e1000; telemetry on UDP port 6001" in log, log[-500:]
    resolve(peer, acks, target_ip=bytes([192, 168, 7, 9]))
    message = netpeer.telemetry(0, 1, b"to-6001", netpeer.ACK_NOW)
    frame = netpeer.ethernet(netpeer.ipv4(
        netpeer.udp(message, destination_port=6001, destination=bytes([192, 168, 7, 9])),
        destination=bytes([192, 168, 7, 9])), 0x0800)
    peer.send(frame)
    assert acks.wait(lambda a: a.acks, 10), "no acknowledgement from port 6001"
    ack = acks.acks[0]["fields"]
    assert ack["source_port"] == 6001 and ack["source_ip"] == bytes([192, 168, 7, 9]), ack

    # selftest=pci: a short suite, then QEMU exits.
    run = context.boot("net_ip=10.0.2.300 telemetry_port=0 telemetry_ack_every=x selftest=pci",
                       timeout=60)
    for line in ("cmdline: bad value '10.0.2.300' for net_ip (expected a unicast IPv4 address "
                 "a.b.c.d); using 10.0.2.15",
                 "cmdline: bad value '0' for telemetry_port (expected 1 to 65535); using 5555",
                 "cmdline: bad value 'x' for telemetry_ack_every (not a number); using 16"):
        assert run.output.count(line) == 1, f"expected exactly one line: {line!r}"
    assert run.status == 33, f"the boot should go on; QEMU status {run.status}"
    # A well-formed address that is not a host's (lib/net.c's rule, tested on the host).
    run = context.boot("net_ip=127.0.0.1 selftest=pci", timeout=60)
    assert "bad value '127.0.0.1' for net_ip" in run.output, "loopback taken as our address"


# --- lspci ---------------------------------------------------------------------------------------

def lspci_on_pc_finds_the_card_behind_a_bridge(context):
    bridge = ["-device", "pci-bridge,id=bridge0,chassis_nr=1"]
    session, peer, acks = boot(context, bus="bridge0", extra=bridge)
    output = run_command(session, "lspci")
    assert re.search(r"^00:00\.0 8086:1237 class 06:00 host bridge", output, re.M), output
    match = re.search(r"^00:([0-9a-f]{2})\.0 1b36:0001 class 06:04 pci bridge, .*buses "
                      r"01-01", output, re.M)
    assert match, f"no PCI-to-PCI bridge leading to bus 1:\n{output}"
    assert re.search(r"^01:01\.0 8086:100e class 02:00 ethernet controller, irq \d+ \(INTA\), "
                     r"mem 0x[0-9a-f]+ \(128 KiB\).*driver e1000$", output, re.M), output
    resolve(peer, acks)  # the card works there: its interrupt is routed through the bridge


def lspci_on_q35_finds_the_card_and_it_answers(context):
    session, peer, acks = boot(context, machine="q35")
    output = run_command(session, "lspci")
    assert re.search(r"^00:00\.0 8086:29c0 class 06:00 host bridge", output, re.M), output
    assert re.search(r"^00:[0-9a-f]{2}\.0 8086:100e class 02:00 ethernet controller.*"
                     r"driver e1000$", output, re.M), output
    resolve(peer, acks)
    fence(peer, acks, 0)


# Paced at a rate the guest keeps up with on an idle host: run by itself, not beside the
# other jobs of the run (under load it lost 754 of 10,000 beside bench-quick and the others).
ALONE = {"net-paced-10000-datagrams"}

TESTS = [
    ("net-paced-10000-datagrams", paced_stream_is_received_in_order_and_acknowledged),
    ("net-windowed-pc-smp2",
     lambda context: windowed_stream_on_two_cpus_is_received_whole(context, "pc")),
    ("net-windowed-q35-smp2",
     lambda context: windowed_stream_on_two_cpus_is_received_whole(context, "q35")),
    ("net-flood-memory-plentiful", flood_loses_nothing_unaccounted_and_the_shell_answers),
    ("net-flood-memory-exhausted-pc-smp2",
     lambda context: flood_with_memory_exhausted_is_counted_and_caught_up(context, "pc")),
    ("net-flood-memory-exhausted-q35-smp2",
     lambda context: flood_with_memory_exhausted_is_counted_and_caught_up(context, "q35")),
    ("net-malformed-frames", malformed_frames_are_counted_by_cause),
    ("net-options", options_set_the_address_and_port_and_bad_values_take_one_line),
    ("lspci-pc-bridge", lspci_on_pc_finds_the_card_behind_a_bridge),
    ("lspci-q35", lspci_on_q35_finds_the_card_and_it_answers),
]
