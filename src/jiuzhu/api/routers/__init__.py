"""One router per context; urls.py mounts them under /api/v1/."""
