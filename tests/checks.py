"""tests/checks.py - boots that check one behaviour of the kernel from the outside: what it
prints for bad input, how it reports a crash, how it refuses a CPU without long mode.
Each test gets a runner Context and raises AssertionError (with a reason) on failure."""

from qemu import EXIT_PASS


def boot_passes(context, cmdline):
    """Boots with cmdline (a selftest run) and returns its output; the run must pass."""
    run = context.boot(cmdline)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}, expected {EXIT_PASS}"
    return run.output


def pit_hz_sets_the_tick_rate(context):
    for hz, divisor in ((19, 62799), (100, 11932), (100000, 12)):
        output = boot_passes(context, f"selftest=spinlock pit_hz={hz}")
        expected = f"clock: tick at {hz} Hz (PIT divisor {divisor})"
        assert expected in output, f"pit_hz={hz}: no line '{expected}'"


def pit_hz_bad_values_are_reported(context):
    for value, why in (("18", "expected 19 to 100000"), ("100001", "expected 19 to 100000"),
                       ("fast", "not a number")):
        output = boot_passes(context, f"selftest=irq pit_hz={value}")
        line = f"cmdline: bad value '{value}' for pit_hz ({why}); using 1000"
        assert line in output, f"pit_hz={value}: no line '{line}'"
        assert "clock: tick at 1000 Hz" in output, f"pit_hz={value}: not at the default rate"


TESTS = [
    ("pit-hz-sets-the-tick-rate", pit_hz_sets_the_tick_rate),
    ("pit-hz-bad-values-are-reported", pit_hz_bad_values_are_reported),
]
