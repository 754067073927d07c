"""Credentials a registration body can verify without calling Kring (ADR 0070)."""
