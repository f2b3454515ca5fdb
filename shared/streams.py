"""Stream names of the contract (CONTRACT.md section 4)."""

IN_SUBMISSIONS = "wsis:in:submissions"
IN_STAKEHOLDERS = "wsis:in:stakeholders"
IN_BALLOTS = "wsis:in:ballots"
IN_PANEL = "wsis:in:panel"
IN_CLOCK = "wsis:in:clock"
OUT_SUBMISSION = "wsis:out:submission"
OUT_ELIGIBILITY = "wsis:out:eligibility"
OUT_VOTING = "wsis:out:voting"
OUT_JUDGING = "wsis:out:judging"
SEALED_JUDGING = "wsis:sealed:judging"
OUT_NOTIFY = "wsis:out:notify"
DEADLETTER = "wsis:deadletter"

INBOUND = (IN_SUBMISSIONS, IN_STAKEHOLDERS, IN_BALLOTS, IN_PANEL, IN_CLOCK)
OUTBOUND = (OUT_SUBMISSION, OUT_ELIGIBILITY, OUT_VOTING, OUT_JUDGING, SEALED_JUDGING, OUT_NOTIFY)
ALL = (*INBOUND, *OUTBOUND, DEADLETTER)
