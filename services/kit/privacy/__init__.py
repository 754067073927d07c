"""Privacy by design: the processing log and the retention framework (ADR 0090, ADR 0091)."""
