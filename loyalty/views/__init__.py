"""Staff pages of the loyalty programme, one module per area: customers (the member lookup, a customer's
360-degree view with the points ledger, manual adjustments, the printable digital card), merging duplicates,
and personal data (the GDPR export and erasure).

They read through loyalty.selectors and write through loyalty.services; who may do what is decided in one
place (loyalty.selectors.permissions). A domain error is shown on the form (omni.pages), never as a 500."""
