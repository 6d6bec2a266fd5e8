"""Filling in a reflection's form in the browser, step by step, as a person would."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Page


@dataclass(frozen=True)
class Step:
    """One page of the form: a choice to tick or words to type, and who may see them."""

    choose: str | None = None
    text: str | None = None
    seen_by: str | None = None


async def fill(page: Page, step: Step) -> None:
    if step.seen_by is not None:
        await page.get_by_label(step.seen_by, exact=True).check()
    if step.choose is not None:
        await page.get_by_label(step.choose, exact=True).check()
    if step.text is not None:
        await page.locator("#answer").fill(step.text)
    async with page.expect_navigation():
        await page.locator("button[name=action][value=answer]").click()


VISIT = "Naturcenteret ved skoven, 7. klasse"
RELATION = "Vi delte rollerne tydeligt mellem os"
NEXT_STEP = "Lade eleverne lede næste besøg"

# Roller og relationer after a visit, from the role on (timing and intro come first).
AFTER_THE_ROLE = [
    Step(text=VISIT, seen_by="Mit team"),
    Step(text=RELATION, seen_by="Mit team"),
    Step(text="Eleverne spurgte meget"),
    Step(text="Underviseren tog sig af det faglige"),
    Step(text="Elevernes ansvar overraskede mig"),
    Step(text=NEXT_STEP, seen_by="Team og ledere"),
    Step(text="om to uger"),
    Step(text="Jeg fortæller det på teammødet."),
]
FROM_THE_START = [Step(choose="Efter besøget"), Step(), Step(choose="Lærer"), *AFTER_THE_ROLE]
