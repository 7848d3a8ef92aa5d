"""Reports read from the ledger's tables: counts, inventory and the daily box-office review."""
