"""The audit log (hash-chained, append-only) and the personal-data access log."""
