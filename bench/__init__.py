"""Benchmarks of IRL Ledger and the generator of their large ledgers (not part of the tests)."""
