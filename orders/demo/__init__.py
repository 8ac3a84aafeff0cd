"""Demo and benchmark data for `make run` and `make bench`."""
