"""Integrity signals: patterns of the public vote worth a look by staff (docs/integrity.md).

`signals` finds them (pure: members and votes in, findings out), `collect`
reads the streams, `cli` prints them. A finding never changes a tally.
"""
