"""What the tests share, in one place.

events (the one CloudEvent builder, the contract's inbound events), outbound
(the services' outbound events, as notify reads them), factories and texts
(realistic entries and project descriptions), streams (publish, read, wait for
answers), waiting (the one polling helper), services (one service in the
test's loop), processes (`wsis run` as a subprocess), systems (all five
services as subprocesses, with keeper and settling), contest and driver (a
seeded contest and its player), judging (a judging handler harness),
smtp_sink.
"""
