"""The contest's state as the services told it on their public streams: `wsis results`, `wsis report`.

Those two never read `wsis:sealed:judging` (the embargo, CONTRACT 5.4) nor
`wsis:out:submission` (personal data): until `wsis.awards.announced` every
finalist is a champion here. The staff's `wsis export` and `wsis trace` read
intake's stream too, and copy from it ids and answers only, never a coordinator.
"""
