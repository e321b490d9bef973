"""Benchmarks (`make bench`): never part of `make test`. Results go to BENCHMARKS.md as ratios."""
