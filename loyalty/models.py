"""loyalty: models arrive with their issue."""
