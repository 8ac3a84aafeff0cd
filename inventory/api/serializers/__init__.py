"""The inventory API's serializers, one module per area (catalog, stock)."""
