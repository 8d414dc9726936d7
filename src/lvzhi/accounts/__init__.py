"""Users, region-scoped roles, login throttling, revocable sessions, API tokens, and the scoping helper."""
