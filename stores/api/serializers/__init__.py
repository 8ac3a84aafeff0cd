"""The stores API's serializers, one module per area (locations)."""
