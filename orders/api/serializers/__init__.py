"""API shapes of the orders app, one module per area: orders.py (orders, click and collect), returns.py."""
