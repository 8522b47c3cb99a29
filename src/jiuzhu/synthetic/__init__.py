"""Synthetic data generators. Everything they produce is marked synthetic and is never real."""
