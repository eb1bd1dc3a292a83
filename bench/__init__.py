"""Load and speed benchmarks of the portal, each measured against a baseline in the same run."""
