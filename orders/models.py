"""orders: models arrive with their issue."""
