"""Interactive end-to-end tests: each module lists TESTS = [(name, function(context))]."""


class Skipped(Exception):
    """Raised by a test that could not check what it is for: reported as a skip, with why."""
