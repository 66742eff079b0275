"""tests/checks.py - boots that check one behaviour of the kernel from the outside: what it
prints for bad input, how it reports a crash, how it refuses a CPU without long mode.
Each test gets a runner Context and raises AssertionError (with a reason) on failure."""

TESTS = []
