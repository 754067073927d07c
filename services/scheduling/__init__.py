"""Scheduling: client organisations, people, facilitators, groups, sessions and attendance."""
