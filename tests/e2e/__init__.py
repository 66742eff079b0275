"""Interactive end-to-end tests: each module lists TESTS = [(name, function(context))]."""
