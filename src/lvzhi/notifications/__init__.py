"""消息: what a user must act on (round opened, returned, assigned, deadlines, published, rectification)."""
