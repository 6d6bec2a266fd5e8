""" "Kort fortalt" opens each team and the network, before the tables, from shown figures."""

from __future__ import annotations

from bot.summaries.glance import glance
from bot.summaries.output import render_html, render_markdown
from tests.summaries.sample import network_report, team_report


def test_a_team_opens_with_safety_and_its_change_steps_done_and_participation() -> None:
    text = render_markdown(team_report("da"))
    block = text.index("**Kort fortalt**")
    assert block < text.index("**Deltagelse**") < text.index("**Psykologisk tryghed**")
    assert "- Psykologisk tryghed senest: 5,5 (↑ 0,2 siden runden før)" in text
    assert "- Næste skridt gjort: 2 af 5 (40\xa0%)" in text  # a no-break space, as Danish writes it
    assert "- Deltagelse ved møderne: 83\xa0% (5 af 6)" in text
    # A shared text with the question it answers.
    assert (
        "»Eleverne spørger mere, når de må skrive først.« _(Læringssamtalen · Læringsfokus)_"
        in (text)
    )


def test_a_held_back_round_is_neither_the_latest_value_nor_part_of_a_change() -> None:
    report = network_report("en")
    engen = next(t for t in report.teams if t.name == "Engen")
    seen = glance(engen)
    assert (seen.safety, seen.change) == (5.25, None)  # its second round was held back
    assert glance(report.main).change is None
    html = render_html(report)
    assert html.count('<div class="glance">') == 1 + len(report.teams)


def test_texts_beyond_the_first_three_are_counted_not_dropped() -> None:
    report = team_report("da")
    extra = report.main.reflections[0]
    report.main.reflections.extend([extra, extra, extra])
    assert glance(report.main).more == 2
    assert "2 delte tekster mere længere nede." in render_markdown(report)


def test_a_shared_text_is_quoted_as_the_reader_quotes() -> None:
    quote = "Eleverne spørger mere, når de må skrive først."
    assert f"»{quote}«" in render_html(team_report("da"))
    assert f"“{quote}”" in render_html(team_report("en"))
    assert f"“{quote}”" in render_markdown(team_report("en"))


def test_the_network_quotes_the_newest_texts_of_its_teams_named_by_team() -> None:
    report = network_report("da")
    shared = [(team.name, t) for team in report.teams for t in (*team.focuses, *team.reflections)]
    assert shared, "the sample network's teams share texts"
    seen = glance(report.main, report.teams)
    newest = sorted(shared, key=lambda pair: pair[1].at, reverse=True)[:3]
    assert [t.text for t in seen.texts] == [t.text for _, t in newest]
    assert [t.source for t in seen.texts] == [f"{name} · {t.source}" for name, t in newest]
    assert seen.more == len(shared) - len(newest)
    # The teams' own blocks keep their texts without a team name in front.
    for team in report.teams:
        assert all(" · " not in t.source for t in glance(team).texts)
