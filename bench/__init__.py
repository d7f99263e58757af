"""Benchmarks (run from the repo root: `python -m bench.bench_matcher`)."""
