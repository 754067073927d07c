"""Scheduling's events, consumed: a closed session is billed, a cancelled one credited."""
