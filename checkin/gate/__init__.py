"""The gate: judging scans, finding the ticket a code names, annulment, offline packs and batches."""
