"""Households, members and the effective-dated facts the rules need."""
