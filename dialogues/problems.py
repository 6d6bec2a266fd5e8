"""Why an input was not accepted, as data the channel phrases."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from dialogues.text import Lang


class ProblemCode(StrEnum):
    """The small set of reasons an input is refused."""

    too_long = "too_long"
    too_short = "too_short"
    required = "required"
    not_an_option = "not_an_option"
    not_a_number = "not_a_number"
    out_of_range = "out_of_range"
    not_a_date = "not_a_date"
    not_allowed_visibility = "not_allowed_visibility"
    contains_cpr = "contains_cpr"
    closed = "closed"
    not_available = "not_available"


class Problem(BaseModel):
    """A refused input: the code plus the limits, so the channel can say what fits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ProblemCode
    minimum: int | None = None
    maximum: int | None = None
    length: int | None = None
    allowed: list[str] = Field(default_factory=list)
    earliest: str | None = None


def _range(problem: Problem, lang: Lang) -> str:
    lo, hi = problem.minimum, problem.maximum
    if problem.earliest is not None:
        return (
            f"Vælg en dato fra {problem.earliest} eller senere."
            if lang == "da"
            else f"Pick a date on or after {problem.earliest}."
        )
    if lo is not None and hi is not None:
        return f"Vælg mellem {lo} og {hi}." if lang == "da" else f"Choose between {lo} and {hi}."
    return "Det tal passer ikke her." if lang == "da" else "That number does not fit here."


# Texts with {maximum}, {minimum} and {length} filled from the problem's limits.
_TEXTS: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.too_long: (
        "Det er lidt langt: højst {maximum} tegn her (du skrev {length}).",
        "That is a bit long: at most {maximum} characters here (you wrote {length}).",
    ),
    ProblemCode.too_short: (
        "Skriv gerne lidt mere, mindst {minimum} tegn.",
        "Please write a little more, at least {minimum} characters.",
    ),
    ProblemCode.required: ("Her har vi brug for et svar.", "This one needs an answer."),
    ProblemCode.not_an_option: ("Vælg en af mulighederne.", "Please pick one of the options."),
    ProblemCode.not_a_number: ("Svar med et tal.", "Please answer with a number."),
    ProblemCode.not_a_date: (
        "Skriv en dato, fx 2025-03-14.",
        "Please give a date, e.g. 2025-03-14.",
    ),
    ProblemCode.not_allowed_visibility: (
        "Det svar kan ikke deles sådan her.",
        "This answer cannot be shared that way.",
    ),
    ProblemCode.contains_cpr: (
        "Det ligner et CPR-nummer. Skriv det gerne om uden personnumre, så gemmer jeg det.",
        "That looks like a Danish CPR number. Please rewrite it without it and I will keep it.",
    ),
    ProblemCode.closed: (
        "Det spørgsmål er lukket, så svaret blev ikke gemt.",
        "That question is closed, so the answer was not saved.",
    ),
    ProblemCode.not_available: (
        "Det kan ikke lade sig gøre lige her.",
        "That is not possible right here.",
    ),
}


def describe_problem(problem: Problem, lang: Lang) -> str:
    """A short, friendly sentence about the problem, for channels without their own texts."""
    if problem.code == ProblemCode.out_of_range:
        return _range(problem, lang)
    da, en = _TEXTS[problem.code]
    return (da if lang == "da" else en).format(
        maximum=problem.maximum, minimum=problem.minimum, length=problem.length
    )
