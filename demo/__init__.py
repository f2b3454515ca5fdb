"""`wsis demo`: a simulated WSIS Prizes contest played through the real services.

`demo.simulator` generates the contest (importable, deterministic,
no side effects); `demo.driver` plays it against a running system.
"""
