"""Helpers that run inside CI jobs (posting plans to merge requests)."""
