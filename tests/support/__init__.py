"""Test support: project trees, CLI runners, fakes."""
