"""Tests of init, the CI workflows, the pre-commit hooks and promotion end to end."""
