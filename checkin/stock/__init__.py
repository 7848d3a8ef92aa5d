"""Stock: the ledger and its guarded moves, capacity moves, holds and emergency pools."""
