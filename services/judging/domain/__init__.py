"""The judging rules, pure: no I/O, no framework. See nominations, winners, ceremony."""
