"""The pages' shell: layout, home page per role, request ids, error pages."""
