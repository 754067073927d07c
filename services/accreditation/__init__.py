"""Accreditation: registers and rule sets, the hash-chained ledger, checkpoints and certificates."""
