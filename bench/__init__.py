"""Benchmarks, run from the repo root: `python -m bench` (the build at 1,000+ articles and
the Material blog baseline; `make bench`) and `python -m bench.bench_matcher` (matcher
throughput)."""
