"""The integrity signals on synthetic votes: each fires above its threshold, is silent below, and an honest surge is never flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from report.integrity.collect import email_domain, organisation_of
from report.integrity.signals import Member, Vote, detect, group_mixes, new_account_clusters, vote_bursts
from shared.contest import GroupMix, Integrity, NewAccountCluster, VoteBurst, VotingWeek

OPENS = datetime(2021, 3, 1, tzinfo=UTC)
WEEK = VotingWeek(1, OPENS, OPENS + timedelta(days=7))
BEFORE = OPENS - timedelta(days=30)
COUNTRIES = ("FR", "KE", "BR", "IN", "JP", "CA", "EG", "MX", "DE", "ID")


def honest_members(n: int, prefix: str = "m") -> dict[str, Member]:
    """Members registered before voting, spread over ten organisations, domains and countries."""
    group = lambda i: (i // 5) % 10  # noqa: E731  independent of the project (i % 5) in `background`
    return {f"{prefix}{i}": Member(f"{prefix}{i}", BEFORE, f"org-{group(i)}", COUNTRIES[group(i)], f"d{group(i)}.org") for i in range(n)}


def campaign_members(n: int, registered: datetime = OPENS + timedelta(days=2)) -> dict[str, Member]:
    return {f"fake{i}": Member(f"fake{i}", registered + timedelta(minutes=i), "", "XX", "campaign.example") for i in range(n)}


def background(members: dict[str, Member], projects: int = 5) -> list[Vote]:
    """Each honest member votes once, spread evenly over the week and the category's projects."""
    step = timedelta(days=7) / (len(members) + 1)
    return [Vote(uid, 1, f"p{i % projects}", OPENS + step * (i + 1)) for i, uid in enumerate(members)]


def campaign(n: int, project: str = "pc", start: datetime = OPENS + timedelta(days=3), every: timedelta = timedelta(seconds=30)) -> list[Vote]:
    return [Vote(f"fake{i}", 1, project, start + every * i) for i in range(n)]


def test_a_cluster_of_new_accounts_fires_with_its_voters() -> None:
    members = {**honest_members(200), **campaign_members(25)}
    votes = sorted(background(honest_members(200)) + campaign(25), key=lambda v: v.at)
    found = new_account_clusters(1, votes, members, NewAccountCluster(window_minutes=30, min_voters=20), OPENS)
    assert [(f.project_id, f.votes) for f in found] == [("pc", 25)]
    assert found[0].voter_ids == tuple(sorted(f"fake{i}" for i in range(25)))
    assert found[0].window == (OPENS + timedelta(days=3), OPENS + timedelta(days=3, seconds=30 * 24))


def test_new_accounts_below_the_threshold_or_spread_out_are_silent() -> None:
    members = campaign_members(25)
    rule = NewAccountCluster(window_minutes=30, min_voters=20)
    assert new_account_clusters(1, campaign(19), members, rule, OPENS) == []
    assert new_account_clusters(1, campaign(25, every=timedelta(minutes=5)), members, rule, OPENS) == []  # 2 hours


def test_members_registered_before_voting_are_no_new_accounts() -> None:
    members = campaign_members(25, registered=BEFORE)
    assert new_account_clusters(1, campaign(25), members, NewAccountCluster(), OPENS) == []


def test_one_email_domain_far_above_its_usual_share_fires() -> None:
    honest = honest_members(300)
    members = {**honest, **campaign_members(30)}
    others = honest_members(10, prefix="h")
    members.update(others)
    on_it = [Vote(uid, 1, "pc", OPENS + timedelta(hours=i)) for i, uid in enumerate(others)]
    votes = sorted(background(honest) + on_it + campaign(30), key=lambda v: v.at)
    found = group_mixes(1, votes, members, GroupMix(by=("email_domain",), min_voters=20, min_share=0.5, min_ratio=5))
    assert [(f.signal, f.project_id, f.votes) for f in found] == [("group_mix:email_domain", "pc", 30)]
    evidence = found[0].evidence
    assert evidence["group"] == "campaign.example" and evidence["project_voters"] == 40
    assert evidence["share"] == 0.75 and evidence["usual_share"] == pytest.approx(30 / 340, abs=1e-4)


def test_a_group_below_its_share_or_ratio_is_silent() -> None:
    honest = honest_members(300)
    members = {**honest, **campaign_members(30)}
    votes = background(honest) + campaign(30)
    assert group_mixes(1, votes, members, GroupMix(by=("email_domain",), min_share=0.5, min_ratio=50)) == []
    assert group_mixes(1, votes, members, GroupMix(by=("email_domain",), min_voters=31)) == []


def test_every_group_crossing_in_a_project_fires_the_most_voters_first_and_unknown_voters_or_groups_count_for_nothing() -> None:
    """Two groups of one project's voters both cross a low share: the larger first, a tie in the order first met;
    a voter the registry does not know is left out, and an empty group (an unknown domain) is no group."""
    members = {f"a{i}": Member(f"a{i}", BEFORE, email_domain="a.org") for i in range(8)}
    members |= {f"b{i}": Member(f"b{i}", BEFORE, email_domain="b.org") for i in range(6)}
    members |= {f"c{i}": Member(f"c{i}", BEFORE, email_domain="c.org") for i in range(6)}
    members |= {f"n{i}": Member(f"n{i}", BEFORE, email_domain="") for i in range(8)}
    members |= {f"o{i}": Member(f"o{i}", BEFORE, email_domain=f"o{i}.org") for i in range(40)}  # the category's other voters
    at = lambda n: OPENS + timedelta(minutes=n)  # noqa: E731
    mine = [*(f"b{i}" for i in range(6)), *(f"a{i}" for i in range(8)), *(f"n{i}" for i in range(8)), "ghost1", "ghost2"]
    votes = [Vote(uid, 1, "p1", at(n)) for n, uid in enumerate(mine)] + [Vote(f"o{i}", 1, "p2", at(100 + i)) for i in range(40)]
    # p3 and p4 split category 2's c.org voters: all of each one's voters, but only the category's usual share
    votes += [Vote(f"c{i}", 2, "p3", at(200 + i)) for i in range(3)] + [Vote(f"c{i}", 2, "p4", at(300 + i)) for i in range(3, 6)]
    rule = GroupMix(by=("email_domain",), min_voters=3, min_share=0.25, min_ratio=1.5)
    found = group_mixes(1, votes, members, rule)
    assert [(f.project_id, f.evidence["group"], f.votes, f.evidence["project_voters"]) for f in found] == [
        ("p1", "a.org", 8, 22), ("p1", "b.org", 6, 22),  # the ghosts left out; the 8 without a domain are no group
    ]  # fmt: skip
    assert found[0].evidence["usual_share"] == round(8 / 62, 4) and found[1].voter_ids == tuple(f"b{i}" for i in range(6))
    tie = group_mixes(1, [Vote(f"a{i}", 1, "p1", at(i)) for i in range(4)] + [Vote(f"b{i}", 1, "p1", at(10 + i)) for i in range(4)]
                      + [Vote(f"o{i}", 1, "p2", at(100 + i)) for i in range(40)], members, rule)  # fmt: skip
    assert [f.evidence["group"] for f in tie] == ["a.org", "b.org"]  # four each: a.org was met first
    tie = group_mixes(1, [Vote(f"b{i}", 1, "p1", at(i)) for i in range(4)] + [Vote(f"a{i}", 1, "p1", at(10 + i)) for i in range(4)]
                      + [Vote(f"o{i}", 1, "p2", at(100 + i)) for i in range(40)], members, rule)  # fmt: skip
    assert [f.evidence["group"] for f in tie] == ["b.org", "a.org"]


def test_a_burst_far_above_the_projects_rhythm_fires() -> None:
    honest = honest_members(300)
    votes = background(honest) + campaign(30, project="p0")  # p0: a vote every few hours until then
    found = vote_bursts(1, votes, VoteBurst(min_votes=20, min_ratio=8))
    assert [(f.project_id, f.votes) for f in found] == [("p0", 30)]
    assert found[0].evidence["median_per_hour"] == 1


def test_a_burst_below_its_threshold_or_without_a_rhythm_is_silent() -> None:
    votes = background(honest_members(300)) + campaign(19, project="p0")
    assert vote_bursts(1, votes, VoteBurst(min_votes=20, min_ratio=8)) == []
    assert vote_bursts(1, campaign(40), VoteBurst()) == []  # its only hour is its median


def surge() -> tuple[dict[str, Member], list[Vote]]:
    """An honest surge: votes rising steadily over days, from members registered before voting, diverse groups."""
    members = honest_members(600, prefix="s")
    votes, n = [], 0
    for hour in range(7 * 24):
        for _ in range(1 + hour // 12):  # 1 an hour at first, 14 an hour by the week's end
            if n < len(members):
                votes.append(Vote(f"s{n}", 1, "p9", OPENS + timedelta(hours=hour, minutes=(n * 7) % 60)))
                n += 1
    return members, votes


def test_an_honest_surge_is_not_flagged() -> None:
    honest = honest_members(300)
    members, rising = surge()
    members.update(honest)
    votes = background(honest) + rising
    assert len(rising) == 600
    assert detect(votes, members, [WEEK], Integrity(), OPENS) == []


def test_detect_finds_the_campaign_by_every_signal_and_only_it() -> None:
    honest = honest_members(300)
    members, rising = surge()
    members.update(honest)
    members.update(campaign_members(70))
    found = detect(background(honest) + rising + campaign(70, project="p0"), members, [WEEK], Integrity(), OPENS)
    assert {(f.signal, f.project_id) for f in found} == {
        ("new_account_cluster", "p0"), ("group_mix:email_domain", "p0"), ("group_mix:country", "p0"), ("vote_burst", "p0")}
    assert all(f.week == 1 and set(f.voter_ids) <= {f"fake{i}" for i in range(70)} for f in found)


def test_votes_outside_the_weeks_are_not_looked_at() -> None:
    members = campaign_members(40)
    assert detect(campaign(40, start=OPENS - timedelta(days=1)), members, [WEEK], Integrity(), OPENS) == []


def test_members_are_read_without_their_address() -> None:
    assert email_domain("Someone@Example.ORG") == "example.org"
    assert email_domain(None) == "" and email_domain("no-at-sign") == ""
    assert organisation_of({"entity_id": "E-1", "name": "x"}) == "E-1"
    assert organisation_of({"name": "  ITU   Geneva "}) == "itu geneva"


def test_the_demo_plants_a_campaign_that_is_flagged_and_a_surge_that_is_not() -> None:
    from demo import integrity_checks
    from demo.simulator import Simulation

    sim = Simulation(7, "small")
    nominees = sim.expected_nominees(sim.nominations(sim.expected_verdicts()))
    cast = sim.ballots(nominees, record=True).cast
    found = integrity_checks.simulated_findings(sim.electorate, cast, sim.contest)
    check = integrity_checks.integrity_check(found, integrity_checks.planted(sim.seed, nominees), sim.electorate)
    assert check.ok, check.detail
    assert "surge on" in check.detail and "not flagged; 0 other finding(s)" in check.detail
    again = Simulation(7, "small")
    assert again.ballots(nominees, record=True).cast == cast  # deterministic for a seed


def test_the_contest_files_integrity_section_is_validated_and_defaults_when_left_out(tmp_path) -> None:
    from shared.contest import DEFAULT_CONTEST_FILE, ContestError, load_contest

    source = DEFAULT_CONTEST_FILE.read_text("utf-8")
    shipped = load_contest().spec.integrity
    assert shipped == Integrity()  # the file writes out the defaults
    without = tmp_path / "without.yaml"
    without.write_text(source[: source.index("\nintegrity:")], "utf-8")
    assert load_contest(without).spec.integrity == Integrity()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("min_share: 0.5", "min_share: 1.5").replace("by: [organisation", "by: [employer"), "utf-8")
    with pytest.raises(ContestError) as error:
        load_contest(bad)
    assert "integrity.group_mix.min_share" in str(error.value) and "integrity.group_mix.by" in str(error.value)
