"""The REST API under /api/v1 (django-ninja): the same scoping and actions as the web interface."""
