"""Tickets: signed codes, issuing, bulk import and search, flags, the reconciliation export."""
