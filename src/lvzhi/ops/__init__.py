"""Operations on the whole installation: backup and restore."""
