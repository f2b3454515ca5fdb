"""What the tests share, in one place.

events (the one CloudEvent builder, the contract's inbound events), factories
(realistic entries), streams (publish, read, wait for answers), waiting (the
one polling helper), services (one service in the test's loop), processes
(`wsis run` as a subprocess), systems (all five services as subprocesses, with
keeper and settling), judging (a judging handler harness), smtp_sink.
"""
