"""Synthetic demo data for `make demo`: regions, accounts per role, households."""
