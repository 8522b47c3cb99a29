"""The administrative hierarchy (GB/T 2260 codes) and area scope."""
