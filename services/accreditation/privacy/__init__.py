"""What accreditation holds about a person, and its part of their erasure (ADR 0092)."""
