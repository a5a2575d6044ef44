"""The pieces of `make bench` (scripts/bench.py): settings, servers, measurements, report."""
