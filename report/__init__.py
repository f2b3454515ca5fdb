"""The contest's state as the services told it on their public streams: `wsis results`, `wsis report`.

Never reads `wsis:sealed:judging` (the embargo, CONTRACT 5.4) nor
`wsis:out:submission` (personal data): until `wsis.awards.announced` every
finalist is a champion here.
"""
