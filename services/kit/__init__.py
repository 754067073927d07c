"""Cross-cutting parts every Kring service uses. Knows no domain word."""
