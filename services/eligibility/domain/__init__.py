"""Screening rules, pure: an entry revision and the facts about the others in, a verdict out."""
