"""What each closed session earned, for whom, and why not: stored, served and announced."""
