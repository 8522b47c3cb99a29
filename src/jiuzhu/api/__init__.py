"""The REST API under /api/v1/: one django-ninja router per context, assembled in urls.py."""
