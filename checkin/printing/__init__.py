"""Printing badges: print jobs, the print log and what the badge desk reads."""
