"""The shipped formats: they load, and each keeps the promises the product makes."""

import itertools
import re
from pathlib import Path

import pytest

from dialogues.flow import step_is_active
from dialogues.loader import FORMATS_DIR, check_directory, load_catalog
from dialogues.schema import (
    AnsweredStep,
    Format,
    NextStepStep,
    PhaseStep,
    ScaleStep,
)
from dialogues.text import LocalizedText
from dialogues.visibility import Visibility

CATALOG = load_catalog()
FORMATS = list(CATALOG)
EXPECTED = {
    "roller-og-relationer",
    "laeringscirkel",
    "laeringscirkel-forberedelse",
    "psykologisk-tryghed",
    "laeringssamtale",
    "laeringssamtale-skole",
    "data-cyklus",
    "progressionsmodel",
    "fire-spoergsmaal",
    "mindset",
    "skole-virksomhed",
    "opfoelgning",
}
PUBLICATIONS = (
    "Skoletjenesten, Årsberetning 2018-19",
    "Aarhus Kommune, Børn og Unge, Vejen til stærkere læringsfællesskaber",
    "VIVE and EVA, Evaluering af læringskonsulenternes indsatser",
)


def fmt_named(format_id: str) -> Format:
    fmt = CATALOG.get(format_id)
    assert fmt is not None
    return fmt


def test_the_shipped_formats_have_no_problems() -> None:
    assert check_directory(FORMATS_DIR) == []
    assert set(CATALOG.ids()) == EXPECTED


@pytest.mark.parametrize("path", sorted(FORMATS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_file_names_its_source_by_publication_and_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = "".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines(True)))
    flat = " ".join(header.replace("#", " ").split())
    assert any(pub in flat for pub in PUBLICATIONS), header
    assert re.search(r"lines \d+-\d+", flat), header
    assert "our own words" in flat
    # Publications by name, never the seed files, and none of the notes' own labels.
    assert not re.search(r"\d{3}_[0-9a-f]{16}|\.txt|INFERRED|seed", text, re.IGNORECASE)


def _texts(fmt: Format) -> list[LocalizedText]:
    found: list[LocalizedText] = [fmt.title, fmt.description]
    for step in fmt.steps:
        found += [t for t in (step.title, step.text, step.context) if t is not None]
    return found


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_danish_and_english_are_both_written(fmt: Format) -> None:
    for text in _texts(fmt):
        # Single words such as "Data" or "Status" are the same in both languages.
        if "{{" not in text.da and len(text.da.split()) > 2:
            assert text.da != text.en, text.da


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_visibility_defaults_are_the_most_private_that_serve(fmt: Format) -> None:
    for step in fmt.steps:
        if isinstance(step, ScaleStep):
            assert step.visibility.allowed() == [Visibility.aggregate]
        elif isinstance(step, PhaseStep):
            assert step.visibility.default == Visibility.team
        elif isinstance(step, AnsweredStep) and fmt.audience == "individual":
            # A personal reflection starts private; only the loop between meetings
            # (the follow-up digest) starts with the facilitator.
            wanted = {Visibility.private}
            if fmt.id == "opfoelgning":
                wanted.add(Visibility.facilitator)
            assert step.visibility.default in wanted, step.id


def _minutes(fmt: Format, params: dict[str, str]) -> int:
    return sum(
        step.timebox_minutes
        for step in fmt.steps
        if isinstance(step, PhaseStep) and step_is_active(step, params, [])
    )


def test_learning_circle_fits_a_45_to_60_minute_meeting_in_every_variant() -> None:
    fmt = fmt_named("laeringscirkel")
    assert [p.id for p in fmt.parameters] == ["focus_by", "data_by", "reflection"]
    options = [[o.value for o in p.options] for p in fmt.parameters]
    for combo in itertools.product(*options):
        params = dict(zip(["focus_by", "data_by", "reflection"], combo, strict=True))
        assert 45 <= _minutes(fmt, params) <= 60, params


def test_learning_circle_holds_speaking_and_listening_positions() -> None:
    fmt = fmt_named("laeringscirkel")
    assert fmt.audience == "group"
    reflect = fmt.step("reflect")
    assert isinstance(reflect, PhaseStep)
    assert (reflect.speaking, reflect.listening) == (["team"], ["focus"])
    next_step = fmt.step("next")
    assert isinstance(next_step, NextStepStep)
    assert next_step.answered_by == ["focus"]
    assert next_step.visibility.default == Visibility.team


def test_psychological_safety_scale() -> None:
    fmt = fmt_named("psykologisk-tryghed")
    scales = [s for s in fmt.steps if isinstance(s, ScaleStep)]
    assert [s.item for s in scales] == [
        "ps_mistakes",
        "ps_raise_issues",
        "ps_different",
        "ps_risk",
        "ps_ask_help",
        "ps_no_undermining",
        "ps_valued",
    ]
    assert {s.points for s in scales} == {7}
    assert [s.item for s in scales if s.reverse] == ["ps_mistakes", "ps_different", "ps_ask_help"]
    assert fmt.scoring[0].id == "psychological_safety"
    assert fmt.scoring[0].items == [s.id for s in scales]
    options = fmt.parameter("use")
    assert options is not None
    assert [o.value for o in options.options] == ["checkin", "before", "after"]


def test_roles_and_relations_repeats_over_the_three_relations() -> None:
    fmt = fmt_named("roller-og-relationer")
    relations = fmt.item_list("relations")
    assert relations is not None
    assert [i.id for i in relations.items] == [
        "educator_teacher",
        "pupil_teacher",
        "educator_pupil",
    ]
    assert fmt.step("relation").repeat == "relations"
    timing = fmt.parameter("timing")
    assert timing is not None
    assert [o.value for o in timing.options] == ["before", "after"]
    assert fmt.steps[-1].kind == "next_step"


def test_follow_up_asks_what_the_scheduler_needs() -> None:
    fmt = fmt_named("opfoelgning")
    status = fmt.step("status")
    assert [o.value for o in status.options] == ["done", "partly", "not_yet"]  # type: ignore[union-attr]
    assert [s.id for s in fmt.steps] == [
        "intro",
        "status",
        "obstacle",
        "learnt",
        "reached",
        "how_shared",
        "bring",
        "next",
    ]


def test_four_questions_keep_the_publications_wording() -> None:
    fmt = fmt_named("fire-spoergsmaal")
    questions = [
        fmt.step(i).text.da for i in ("q1_matters", "q2_learn", "q3_know", "q4_not_learning")
    ]
    assert questions == [
        "1. Hvad har størst betydning for børn og unges læring?",
        "2. Hvad er det, vi ønsker, børn og unge skal lære?",
        "3. Hvordan kan vi vide, om vores børn og unge lærer noget?",
        "4. Hvad vil vi gøre, når de ikke lærer?",
    ]


def test_school_business_template_has_ten_questions() -> None:
    fmt = fmt_named("skole-virksomhed")
    titled = [s for s in fmt.steps if s.title and re.match(r"\d+\. ", s.title.da)]
    assert len(titled) == 10
    # The guide's steps that are not among the ten questions are asked, unnumbered, too.
    guide = ["existing", "external", "prepare_business", "experience"]
    assert all(fmt.step(i).optional for i in guide)


def test_progression_model_goes_from_challenge_through_action_to_outcome() -> None:
    fmt = fmt_named("progressionsmodel")
    question = "Hvad virker for hvem under hvilke omstændigheder?"
    assert question in fmt.description.da
    assert question in fmt.step("what_works").text.da
    titled = [s.title.da for s in fmt.steps if s.title is not None]
    assert titled[:4] == ["Udfordring", "Indsats", "Data", "Udbytte"]
    assert fmt.steps[-1].kind == "next_step"


def test_data_cycle_has_three_phases() -> None:
    phase = fmt_named("data-cyklus").parameter("phase")
    assert phase is not None
    assert [o.value for o in phase.options] == ["before", "during", "after"]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_each_format_says_what_it_is_for_and_how_long_it_takes(fmt: Format) -> None:
    """The menu shows a one-line purpose and about how many minutes, in both languages."""
    assert fmt.purpose is not None, fmt.id
    assert fmt.minutes is not None, fmt.id
    for lang in ("da", "en"):
        line = fmt.purpose.get(lang)
        assert line, (fmt.id, lang)
        assert "\n" not in line, (fmt.id, lang)
        assert len(line) <= 110, (fmt.id, lang, line)
    if fmt.audience == "group":  # a meeting: as long as its longest variant
        params = [[o.value for o in p.options] for p in fmt.parameters]
        longest = max(
            _minutes(fmt, dict(zip([p.id for p in fmt.parameters], combo, strict=True)))
            for combo in itertools.product(*params)
        )
        assert fmt.minutes == longest


def test_every_situation_on_the_menu_has_a_format() -> None:
    from dialogues.schema import SITUATIONS

    assert {f.situation for f in FORMATS} == set(SITUATIONS)
