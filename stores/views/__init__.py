"""Staff pages of the stores app, one module per area (locations and the current-location switcher)."""
