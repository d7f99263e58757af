"""Benchmarks, run from the repo root: `python -m bench` (the build at 1,000+ articles and
the Material blog baseline; `make bench`), `python -m bench.bench_matcher` (matcher
throughput), `python -m bench.floor` (the builder's share with its Arabic work free) and
`python -m bench.serve_preview` (the live preview)."""
