"""The voting service's pure rules: a ballot's verdict and answer (`ballot`), tallies and finalists (`tally`)."""

from services.voting.domain.ballot import (
    ALREADY_VOTED,
    CATEGORY_MISMATCH,
    EPOCH,
    HOLD,
    IN_FUTURE_MESSAGE,
    INVALID_BALLOT,
    MICROSECOND,
    OWN_PROJECT,
    PROFILE_INCOMPLETE,
    PROJECT_NOT_NOMINATED,
    REASONS,
    TIME_IN_FUTURE,
    VOTER_UNKNOWN,
    VOTING_CLOSED,
    Calendar,
    Hold,
    Member,
    Nominee,
    answer,
    ballot_fields,
    decide,
    micros,
    read_ballot,
    read_member,
)

__all__ = [
    "ALREADY_VOTED", "CATEGORY_MISMATCH", "EPOCH", "HOLD", "IN_FUTURE_MESSAGE", "INVALID_BALLOT", "MICROSECOND", "OWN_PROJECT",
    "PROFILE_INCOMPLETE", "PROJECT_NOT_NOMINATED", "REASONS", "TIME_IN_FUTURE", "VOTER_UNKNOWN", "VOTING_CLOSED", "Calendar",
    "Hold", "Member", "Nominee", "answer", "ballot_fields", "decide", "micros", "read_ballot", "read_member",
]
