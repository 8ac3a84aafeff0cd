"""The loyalty API's FilterSets, one module per area (members)."""
