"""Scheduling's events, consumed: closed sessions become ledger entries, cancellations reversals."""
