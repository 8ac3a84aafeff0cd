"""The stores API's FilterSets, one module per area (locations)."""
