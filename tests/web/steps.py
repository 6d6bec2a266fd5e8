"""Filling in a reflection's form in the browser, page by page, as a person would."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Page


@dataclass(frozen=True)
class Step:
    """One step of a page: a choice to tick or words to type, and who may see them
    (an introduction takes nothing)."""

    choose: str | None = None
    text: str | None = None
    seen_by: str | None = None


async def fill(page: Page, steps: list[Step]) -> None:
    """Fill in every step of the page shown, in order, and send it."""
    assert await page.locator("form#step > fieldset").count() == len(steps), page.url
    for index, step in enumerate(steps):
        fieldset = page.locator(f"#s{index}")
        if step.seen_by is not None:
            await fieldset.get_by_label(step.seen_by, exact=True).check()
        if step.choose is not None:
            await fieldset.get_by_label(step.choose, exact=True).check()
        if step.text is not None:
            await page.locator(f"#s{index}-answer").fill(step.text)
    async with page.expect_navigation():
        await page.locator("button[name=action][value=answer]").click()


VISIT = "Naturcenteret ved skoven, 7. klasse"
RELATION = "Vi delte rollerne tydeligt mellem os"
NEXT_STEP = "Lade eleverne lede næste besøg"

# Roller og relationer after a visit, from the visit on (timing, intro and role come first).
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
# The pages from the start: the timing decides which questions follow, so it comes alone.
FROM_THE_START = [[Step(choose="Efter besøget")], [Step(), Step(choose="Lærer"), *AFTER_THE_ROLE]]
