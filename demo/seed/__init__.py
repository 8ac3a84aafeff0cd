"""What `seed_demo` writes: the network and its catalog (data, network), the morning's trading (activity) and,
with --scale, a year of history (history)."""
