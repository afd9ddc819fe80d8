"""Rule tests: replay fixture logs through a simulation of Sentinel's scheduled and NRT rules."""

FIXTURE_SUFFIX = ".tests.yaml"  # here, not in fixtures.py, so the pytest plugin can read it cheaply
