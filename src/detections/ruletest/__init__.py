"""Rule tests: replay fixture logs through a simulation of Sentinel's scheduled and NRT rules."""
