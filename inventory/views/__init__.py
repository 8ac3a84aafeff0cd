"""Staff pages of inventory, one module per area: the catalog, stock (lookup, levels, ledger, movements),
counts and transfers. They parse input with inventory.forms, read through the selectors and write through
the services; a domain error is shown with omni.pages."""
