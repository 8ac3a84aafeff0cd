"""The reports' pages: pages.py (the index, a report's page and its export), jobs.py (background runs and
weekly schedules)."""
