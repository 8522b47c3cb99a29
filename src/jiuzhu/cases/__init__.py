"""Applications and decisions (issue #4): case numbers so far."""
