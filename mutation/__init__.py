"""Mutation testing of the core (`make mutation`): see docs/mutation-testing.md."""
