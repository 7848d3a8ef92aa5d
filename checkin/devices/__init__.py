"""Devices: pairing a screen with a short code, and listing, naming, expiring and revoking tokens."""
