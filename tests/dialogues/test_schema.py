"""Format definitions: strict models, a stable fingerprint and a faithful JSON round trip."""

import pytest
from pydantic import ValidationError

from dialogues.loader import load_catalog
from dialogues.schema import Condition, Format, TextStep, VisibilitySpec
from dialogues.state import Input, SessionState
from dialogues.text import LocalizedText

FORMATS = list(load_catalog())


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_a_snapshot_round_trips_with_the_same_fingerprint(fmt: Format) -> None:
    snapshot = fmt.model_dump(mode="json")
    again = Format.model_validate(snapshot)
    assert again == fmt
    assert again.fingerprint() == fmt.fingerprint()
    assert len(fmt.fingerprint()) == 64


def test_any_change_changes_the_fingerprint() -> None:
    fmt = load_catalog().get("mindset")
    assert fmt is not None
    snapshot = fmt.model_dump(mode="json")
    snapshot["steps"][1]["text"]["en"] += " Take your time."
    assert Format.model_validate(snapshot).fingerprint() != fmt.fingerprint()


def test_models_forbid_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        LocalizedText.model_validate({"da": "Hej", "en": "Hi", "de": "Hallo"})
    with pytest.raises(ValidationError):
        SessionState.model_validate(
            {"format_id": "x", "format_version": 1, "format_fingerprint": "", "lang": "da", "x": 1}
        )
    with pytest.raises(ValidationError):
        Input.model_validate({"value": "a", "colour": "red"})


def test_text_must_not_be_blank() -> None:
    with pytest.raises(ValidationError):
        LocalizedText(da="   ", en="Hi")


@pytest.mark.parametrize(
    "cond",
    [
        {"step": "a", "param": "b", "equals": "x"},
        {"equals": "x"},
        {"step": "a", "equals": "x", "one_of": ["y"]},
        {"step": "a"},
        {"param": "b", "answered": True},
    ],
)
def test_a_condition_needs_one_subject_and_one_test(cond: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(cond)


def test_visibility_default_must_be_a_choice() -> None:
    with pytest.raises(ValidationError):
        VisibilitySpec.model_validate({"default": "team", "choices": ["private"]})
    assert VisibilitySpec.model_validate({"default": "team"}).allowed() == ["team"]


def test_text_limits_must_be_in_order() -> None:
    with pytest.raises(ValidationError):
        TextStep.model_validate(
            {
                "id": "t",
                "kind": "text",
                "text": {"da": "a", "en": "a"},
                "min_length": 10,
                "max_length": 5,
            }
        )
