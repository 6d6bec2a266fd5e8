"""A broken format file is reported with its file, line, field and a plain explanation."""

from pathlib import Path

import pytest

from dialogues.loader import (
    FormatLoadError,
    FormatProblem,
    check_directory,
    load_catalog,
    load_format_file,
)

# Line numbers matter below: keep this text in step with the assertions.
GOOD = """\
id: sample
version: 1
title: {da: Prøve, en: Sample}
description: {da: En prøve, en: A sample}
audience: individual
parameters:
  - id: when_used
    question: {da: Hvornår, en: When}
    options:
      - value: before
        label: {da: Før, en: Before}
      - value: after
        label: {da: Efter, en: After}
steps:
  - id: feeling
    kind: choice
    text: {da: Hvordan går det, en: How is it going}
    options:
      - value: good
        label: {da: Godt, en: Well}
      - value: mixed
        label: {da: Blandet, en: Mixed}
  - id: why
    kind: text
    when: {step: feeling, equals: mixed}
    max_length: 200
    text:
      da: Fortæl lidt mere.
      en: Tell me a little more.
"""


def write(tmp_path: Path, text: str, name: str = "sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(tmp_path: Path, text: str) -> list[FormatProblem]:
    with pytest.raises(FormatLoadError) as caught:
        load_format_file(write(tmp_path, text))
    return caught.value.problems


def only(problems: list[FormatProblem]) -> FormatProblem:
    assert len(problems) == 1, problems
    return problems[0]


def test_the_sample_is_good(tmp_path: Path) -> None:
    fmt = load_format_file(write(tmp_path, GOOD))
    assert fmt.id == "sample"
    assert [s.id for s in fmt.steps] == ["feeling", "why"]


def test_unknown_key(tmp_path: Path) -> None:
    text = GOOD.replace("    max_length: 200\n", "    max_lenght: 200\n")
    problem = only(problems_for(tmp_path, text))
    assert problem.file.endswith("sample.yaml")
    assert (problem.line, problem.field) == (26, "steps[1].max_lenght")
    assert "unknown key 'max_lenght'" in problem.message


def test_missing_english_text(tmp_path: Path) -> None:
    text = GOOD.replace("      en: Tell me a little more.\n", "")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (27, "steps[1].text.en")
    assert problem.message == "the English text (en) is missing"


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace("max_length: 200", "max_length: lots")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (26, "steps[1].max_length")
    assert "integer" in problem.message


def test_when_naming_an_unknown_step(tmp_path: Path) -> None:
    text = GOOD.replace("{step: feeling, equals: mixed}", "{step: feelings, equals: mixed}")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (25, "steps[1].when.step")
    assert "'feelings' is no step" in problem.message


def test_when_naming_a_later_step(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    kind: choice\n",
        "    kind: choice\n    when: {step: why, answered: true}\n",
    )
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (17, "steps[0].when.step")
    assert "a later step" in problem.message


def test_when_comparing_with_a_value_that_is_no_option(tmp_path: Path) -> None:
    text = GOOD.replace("equals: mixed}", "equals: bad}")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (25, "steps[1].when")
    assert "'bad' is not one of the options: good, mixed" in problem.message


def test_duplicate_step_id(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: why\n", "  - id: feeling\n")
    problems = problems_for(tmp_path, text)
    duplicate = [p for p in problems if "used twice" in p.message]
    assert len(duplicate) == 1
    assert (duplicate[0].line, duplicate[0].field) == (23, "steps[1].id")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = GOOD.replace("      da: Fortæl lidt mere.\n", "      da: Fortæl: lidt mere.\n")
    problem = only(problems_for(tmp_path, text))
    assert problem.line == 28
    assert problem.field == ""
    assert problem.message.startswith("YAML syntax")


def test_unknown_step_kind(tmp_path: Path) -> None:
    text = GOOD.replace("kind: text", "kind: essay")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (23, "steps[1]")
    assert "unknown step kind 'essay'" in problem.message


def test_repeat_naming_an_unknown_list(tmp_path: Path) -> None:
    text = GOOD.replace("    max_length: 200\n", "    max_length: 200\n    repeat: relations\n")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (27, "steps[1].repeat")
    assert "there is no list 'relations'" in problem.message


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = GOOD.replace("version: 1\n", "version: 1\nversion: 2\n")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (3, "version")
    assert "twice" in problem.message


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(FormatLoadError) as caught:
        load_format_file(write(tmp_path, GOOD, name="other.yaml"))
    problem = only(caught.value.problems)
    assert (problem.line, problem.field) == (1, "id")


def test_summary_template_that_does_not_compile(tmp_path: Path) -> None:
    text = GOOD + "summary:\n  da: '{% if answers.why %}Hvorfor'\n  en: Why\n"
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (31, "summary.da")
    assert "template error" in problem.message


def test_template_naming_an_unknown_answer(tmp_path: Path) -> None:
    text = GOOD.replace("da: Fortæl lidt mere.", "da: 'Fortæl mere om {{ answers.feelings }}'")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (28, "steps[1].text.da")
    assert "cannot be rendered" in problem.message


def test_raw_html_characters_in_a_text(tmp_path: Path) -> None:
    text = GOOD.replace("da: Fortæl lidt mere.", "da: Fortæl om fag & trivsel.")
    problem = only(problems_for(tmp_path, text))
    assert problem.field == "steps[1].text.da"
    assert "HTML" in problem.message


def test_scale_answers_must_stay_aggregate(tmp_path: Path) -> None:
    scale = """\
  - id: safe
    kind: scale
    points: 7
    item: safe
    text: {da: Trygt, en: Safe}
    low: {da: Nej, en: 'No'}
    high: {da: Ja, en: 'Yes'}
    visibility: {default: team}
"""
    problem = only(problems_for(tmp_path, GOOD + scale))
    assert (problem.line, problem.field) == (37, "steps[2].visibility")
    assert "aggregate" in problem.message


def test_phase_needs_a_group_format(tmp_path: Path) -> None:
    phase = """\
  - id: talk
    kind: phase
    title: {da: Tal, en: Talk}
    text: {da: Tal sammen, en: Talk together}
    timebox_minutes: 5
"""
    problem = only(problems_for(tmp_path, GOOD + phase))
    assert (problem.line, problem.field) == (31, "steps[2].kind")


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("max_length: 200", "max_length: lots").replace(
        "{da: Godt, en: Well}", "{da: Godt}"
    )
    problems = problems_for(tmp_path, text)
    assert {p.field for p in problems} == {
        "steps[0].options[0].label.en",
        "steps[1].max_length",
    }
    assert str(problems[0]).startswith(str(tmp_path))


def test_check_directory_lists_problems_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(
        tmp_path,
        GOOD.replace("id: sample", "id: broken").replace("version: 1", "version: 0"),
        name="broken.yaml",
    )
    problems = check_directory(tmp_path)
    assert [(Path(p.file).name, p.field) for p in problems] == [("broken.yaml", "version")]
    with pytest.raises(FormatLoadError):
        load_catalog(tmp_path)


def test_an_empty_directory_is_a_problem(tmp_path: Path) -> None:
    assert check_directory(tmp_path)[0].message.startswith("no format files")


def test_catalog_of_a_good_directory(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    catalog = load_catalog(tmp_path)
    assert catalog.ids() == ["sample"]
    assert "sample" in catalog
    assert catalog.get("missing") is None
    assert [f.id for f in catalog] == ["sample"]
    assert len(catalog) == 1


def test_yes_and_no_stay_words(tmp_path: Path) -> None:
    text = GOOD.replace("value: good", "value: yes").replace("value: mixed", "value: no")
    text = text.replace("equals: mixed", "equals: no")
    fmt = load_format_file(write(tmp_path, text))
    assert [o.value for o in fmt.steps[0].options] == ["yes", "no"]  # type: ignore[union-attr]


def test_scoring_naming_a_step_that_is_no_scale(tmp_path: Path) -> None:
    scoring = """\
scoring:
  - id: wellbeing
    title: {da: Trivsel, en: Well-being}
    items: [feeling]
"""
    problem = only(problems_for(tmp_path, GOOD + scoring))
    assert (problem.line, problem.field) == (33, "scoring[0].items[0]")
    assert "'feeling' is not a scale step" in problem.message


def test_when_on_a_repeated_step_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("    kind: choice\n", "    kind: choice\n    repeat: things\n")
    text += "lists:\n  - id: things\n    items:\n      - {id: one, label: {da: En, en: One}}\n"
    problem = only(problems_for(tmp_path, text))
    assert problem.field == "steps[1].when.step"
    assert "repeats over a list" in problem.message


def test_labels_must_be_plain(tmp_path: Path) -> None:
    text = GOOD.replace("{da: Godt, en: Well}", "{da: 'Godt & glad', en: Well}")
    problem = only(problems_for(tmp_path, text))
    assert (problem.line, problem.field) == (20, "steps[0].options[0].label.da")
