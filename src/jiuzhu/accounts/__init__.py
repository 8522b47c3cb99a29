"""Users, roles, area assignment, second factor and session policy."""
