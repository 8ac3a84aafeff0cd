"""`make bench`: benchmarks at retail scale, run from the project folder as `python -m tools.bench`. Tooling,
not part of the shipped packages (pyproject lists omni and the apps only)."""
