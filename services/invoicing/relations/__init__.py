"""Billing relations: the debtor that pays for a client organisation's employees, and each
person's billing choice (their employer pays, or they pay themselves)."""
