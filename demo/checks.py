"""Does the demo's summary add up? Each check compares what was published with what the services said."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from demo.staff import StaffDecision, answered_as_decided
from report.state import ContestState
from report.views import totals
from shared.events import T

if TYPE_CHECKING:
    from demo.phases import Phases
    from demo.simulator import Simulation
    from demo.watch import Watcher


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def expected_emails(state: ContestState) -> Counter[str]:
    """CONTRACT 5.5, counted from the public events: one email per recipient and occasion."""
    expected: Counter[str] = Counter()
    expected["acknowledgement"] = expected["nomination"] = len(state.verdicts)
    expected["progress"] = sum(len(projects) for week in state.progress.values() for projects in week.values())
    expected["champion"] = sum(len(result["finalists"]) for result in (state.closed or {}).values())
    awards = (state.awards or {}).values()
    expected["winner"] = sum(1 for a in awards if a.get("winner"))
    expected["awards"] = sum(len(a.get("champions", [])) + bool(a.get("winner")) for a in awards)
    return +expected


def checks(watch: Watcher, phases: Phases, view: dict[str, Any], sim: Simulation) -> list[Check]:
    state, intake, sent = watch.state, watch.intake, phases.sent
    found: list[Check] = []

    def check(name: str, ok: bool, detail: str) -> None:
        found.append(Check(name, ok, detail))

    submitted = sent["submissions"]
    check("every entry answered once by intake", len(intake.answered) == submitted,
          f"{submitted:,} submitted: {sum(1 for a in intake.answered.values() if a == 'received'):,} received, "
          f"{intake.rejected.total():,} rejected ({', '.join(f'{k} {v}' for k, v in sorted(intake.rejected.items()))})")  # fmt: skip
    entries = len(intake.revisions)
    check("every entry screened once, on its latest revision", len(state.verdicts) == entries
          and all(rid in state.screened_causes for _, rid in intake.revisions.values()),
          f"{entries:,} entries, {len(state.verdicts):,} verdicts ({state.screened_events:,} screened events with amendments)")  # fmt: skip
    ballots = sent["ballots"]
    answered_ids = set(state.answers)
    check("every ballot answered once", answered_ids == set(ballots.ids()) and state.conflicting_answers == 0,
          f"{ballots.count:,} cast, {len(answered_ids):,} answered, {state.conflicting_answers} conflicting, "
          f"{state.repeated_answers} repeated after a redelivery")  # fmt: skip
    accepted, rejected = view["votes"]["accepted"], sum(view["votes"]["rejected"].values())
    check("votes accepted + rejected = ballots", accepted + rejected == ballots.count, f"{accepted:,} + {rejected:,}")
    decisions = sent["nominations"]
    listed = {c: sorted(n["submission_id"] for n in names) for c, names in (state.nominees or {}).items() if names}
    check("the nominee list is the panel's choice; its slips refused", listed == {c: sorted(n) for c, n in decisions.expected.items() if n}
          and state.nomination_refusals.total() == decisions.refusals,
          f"{sum(map(len, listed.values()))} nominees; refused {state.nomination_refusals.total()} of {decisions.refusals} slips "
          f"({', '.join(f'{k} {v}' for k, v in sorted(state.nomination_refusals.items()))})")  # fmt: skip
    selections = sent["selections"]
    winners = {c["category"]: [c["winner"]] for c in view["categories"] if c.get("winner")}
    check("the winners are the panel's selections; its slips refused", winners == selections.expected
          and state.winner_refusals.total() == selections.refusals,
          f"{len(winners)} winners; refused {state.winner_refusals.total()} of {selections.refusals} slips")  # fmt: skip
    t = totals(view)
    size = sim.contest.quotas.finalists_per_category
    full = sum(1 for c in view["categories"] if len(c.get("finalists", [])) == size)
    check("a winner and four champions per category with five finalists", t["winners"] == full and t["champions"] == full * (size - 1),
          f"{t['winners']} winners, {t['champions']} champions, {full} categories with {size} finalists")  # fmt: skip
    emails = sent["emails"]
    got = state.sent + state.failed
    # A verdict-changed email goes only where the change came after the first
    # email went, which timing decides: at most one per later verdict.
    changed = got.pop("verdict_changed", 0)
    later_verdicts = state.screened_events - len(state.verdicts)
    check("emails: one per recipient and occasion", got == emails and changed <= later_verdicts,
          ", ".join(f"{k} {got[k]:,}/{emails[k]:,}" for k in sorted(emails | got))
          + f"; verdict changed {changed:,} (at most {later_verdicts:,})")  # fmt: skip
    found += staff_checks(state, sent)
    check("no dead letters", not state.dead_letters, ", ".join(f"{k}: {v}" for k, v in state.dead_letters.items()) or "none")
    return found


def staff_counts(answers: list[tuple[StaffDecision, dict[str, Any] | None]]) -> Counter[str]:
    """The staff's decisions by what the eligibility service made of them."""
    counts: Counter[str] = Counter()
    for decision, answer in answers:
        data = (answer or {}).get("data") or {}
        if answer is None:
            counts["unanswered"] += 1
        elif answer.get("type") == T.SCREENING_REFUSED:
            counts[f"refused {data.get('reason', '?')}"] += 1
        else:
            counts[f"decided {data.get('outcome', '?')}"] += 1
        counts["overrides"] += decision.override
    return counts


def staff_checks(state: ContestState, sent: dict[str, Any]) -> list[Check]:
    """The people in the loop: staff decisions answered as decided, the override standing, the mistyped nomination refused."""
    answers: list[tuple[StaffDecision, dict[str, Any] | None]] = sent.get("staff", [])
    counts = staff_counts(answers)
    wrong = [d.submission_id for d, a in answers if not answered_as_decided(d, a)]
    found = [Check("every staff decision answered as decided", bool(answers) and not wrong,
                   f"{len(answers)} decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "overrides")
                   + (f"; not as decided: {', '.join(wrong)}" if wrong else ""))]  # fmt: skip
    overrides = [d for d, _ in answers if d.override]
    latest = {d.submission_id: state.verdicts.get(d.submission_id) for d in overrides}
    stands = bool(overrides) and all(v is not None and v.outcome == d.outcome for d, v in zip(overrides, latest.values(), strict=True))
    found.append(Check("the staff's override of a machine verdict stands", stands, "; ".join(
        f"{d.submission_id}: machine {d.machine_outcome}, staff {d.outcome}, latest verdict "
        f"{v.outcome if v else 'none'}{', nominated' if d.submission_id in state.nominations else ''}"
        for d, v in zip(overrides, latest.values(), strict=True)) or "no override was made"))  # fmt: skip
    mistyped = sent.get("mistyped")
    answer, seconds = mistyped if mistyped else (None, 0.0)
    data = (answer or {}).get("data") or {}
    found.append(Check("the mistyped nomination refused unknown_submission at once",
                       answer is not None and answer.get("type") == T.NOMINATION_REFUSED and data.get("reason") == "unknown_submission",
                       f"{data.get('submission_id', '?')} refused {data.get('reason', 'nothing')} in {seconds:.1f} s, "
                       "before the window's close was published" if answer else "no answer before the window's close"))  # fmt: skip
    return found
