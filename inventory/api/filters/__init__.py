"""The inventory API's FilterSets, one module per area (catalog, stock)."""
