"""The server-rendered web application: one page per task of every role, htmx for partial updates."""
