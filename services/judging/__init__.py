"""The judging service: the expert group's decisions, quotas, finality, the embargo."""
