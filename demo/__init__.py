"""The demo network `make run` starts with and the benchmark-size data `make bench` measures: seeded through
the domain apps' services and models (demo imports them; no domain app imports demo)."""
