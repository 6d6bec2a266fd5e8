"""The whole loop for a network with two teams across two meetings, on an injected clock.

Facilitator Fie plans two network meetings six weeks apart (the second after summer time
begins). Ane and Asta are in Team A, Bo and Bent in Team B. Between the meetings each
gets the next-step prompt, the mid-point check and the preparation; whoever has not
answered gets one gentle reminder; Bo snoozes, Asta pauses; the day before the second
meeting Fie gets the digest, which shows only what people shared with her.
"""

from __future__ import annotations

from bot.app import App
from tests.meetings.support import (
    RecordingSender,
    World,
    answer_followup,
    chats,
    dispatcher,
    followup_of,
    load,
    local,
    pause,
    schedule,
    snooze,
    who_answered,
)
from tests.support import Clock

ANE, ASTA, BO, BENT, FIE = 600, 601, 602, 603, 501


async def test_two_meetings_two_teams_the_whole_loop(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    first, second = await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=6, count=2
    )
    ticker = dispatcher(app, sender)
    await ticker.tick()
    assert chats(sender.take()) == [ANE, ASTA, BO, BENT]  # the meetings are announced

    # The first meeting ends at 17:00: everyone is asked for a next step.
    clock.now = local(2026, 3, 10, 17)
    await ticker.tick()
    prompts = sender.take()
    assert chats(prompts) == [ANE, ASTA, BO, BENT]
    next_step_round = followup_of(prompts[0][1])
    await answer_followup(
        app,
        world.a1,
        next_step_round,
        visibility={"next": "facilitator"},
        texts={"next.what": "Exit slips i 5.b hver fredag"},
        skip=frozenset({"sparring"}),
    )
    await answer_followup(
        app,
        world.b1,
        next_step_round,
        texts={"next.what": "Mit hemmelige skridt"},
        skip=frozenset({"sparring"}),
    )

    # Two days later only those who did not answer are reminded, once.
    clock.now = local(2026, 3, 12, 17)
    await ticker.tick()
    assert chats(sender.take()) == [ASTA, BENT]
    assert await who_answered(app, world.facilitator, next_step_round) == {
        "Ane": "answered",
        "Asta": "waiting",
        "Bent": "waiting",
        "Bo": "answered",
    }

    # The mid-point check two weeks after the meeting.
    clock.now = local(2026, 3, 24, 17)
    await ticker.tick()
    prompts = sender.take()
    assert chats(prompts) == [ANE, ASTA, BO, BENT]
    midpoint = followup_of(prompts[0][1])
    assert "Exit slips" not in prompts[0][1].html  # the prompt itself quotes nothing
    await answer_followup(
        app,
        world.a1,
        midpoint,
        choices={"status": 0, "reached": 0},
        texts={"learnt": "Eleverne skriver mere præcist", "bring": "Tre exit slips"},
        skip=frozenset({"next", "how_shared"}),
    )
    back = await snooze(app, world.b1, midpoint, 1)
    assert back == local(2026, 3, 25, 17)
    await pause(app, world.a2, 28)  # Asta goes on holiday until 21 April

    clock.now = local(2026, 3, 25, 17)
    await ticker.tick()
    snoozed = sender.take()
    assert chats(snoozed) == [BO]
    assert "bad mig vente med" in snoozed[0][1].html
    await answer_followup(
        app,
        world.b1,
        midpoint,
        choices={"status": 1, "reached": 2},
        visibility={"learnt": "private"},
        texts={"learnt": "Noget helt privat"},
        skip=frozenset({"next"}),
    )

    clock.now = local(2026, 3, 26, 17)
    await ticker.tick()
    assert chats(sender.take()) == [BENT]  # Asta is on a pause, the others answered

    # Preparation five days before the second meeting; Asta's waits for her pause to end.
    clock.now = local(2026, 4, 16, 14)
    await ticker.tick()
    prompts = sender.take()
    assert chats(prompts) == [ANE, BO, BENT]
    preparation = followup_of(prompts[0][1])
    await answer_followup(app, world.b2, preparation)  # Bent answers only this one

    # The digest for Fie the day before the second meeting.
    clock.now = local(2026, 4, 20, 14)
    await ticker.tick()
    sent = sender.take()
    digest = [view.html for chat, view in sent if chat == FIE]
    assert len(digest) == 1
    text = digest[0]
    assert "Exit slips i 5.b hver fredag" in text
    assert "gjort" in text
    assert "Eleverne skriver mere præcist" in text
    assert "Tre exit slips" in text
    assert "Mit hemmelige skridt" not in text
    assert "Noget helt privat" not in text
    assert "Et næste skridt, som er privat – <i>delvist</i>" in text  # status, not the text
    assert "Ane</b> (Team A)" in text
    assert "Bent</b> (Team B)" in text
    assert "gjort: 1 · delvist: 1" in text
    # Who answered, round by round: not anyone who answered any of them (that would be 3).
    rounds = "Næste skridt: 2 af 4 · Midtvejstjek: 2 af 4 · Forberedelse: 1 af 4"
    assert f"Har svaret – {rounds}." in text
    # The facilitator's web page counts the same rounds the same way, with names.
    assert await opening_counts(app, world) == [
        ("next_step", 2, 4),
        ("midpoint", 2, 4),
        ("preparation", 1, 4),
    ]
    assert "Svar til focus" not in text  # nothing from the learning conversation itself

    clock.now = local(2026, 4, 21, 7, 30)  # Asta's pause is over: her preparation arrives
    await ticker.tick()
    assert ASTA in chats(sender.take())

    # After the second (last) meeting: the next-step prompt, then a check-in a month later.
    clock.now = local(2026, 4, 21, 17)
    await ticker.tick()
    assert chats(sender.take()) == [ANE, ASTA, BO, BENT]
    clock.now = local(2026, 5, 21, 17)
    report = await ticker.tick()
    checkins = sender.take()
    assert [chat for chat, _ in checkins if "tjek-ind" in _.html] != []
    assert report.failed == 0
    assert second > first


async def opening_counts(app: App, world: World) -> list[tuple[str, int, int]]:
    """Who answered each round since the last meeting, as the facilitator's page reads it."""
    from bot.services import followups

    async def work(session):  # type: ignore[no-untyped-def]
        person = await load(session, world.facilitator)
        opening = await followups.opening_digest(
            app, session, actor=person, group_id=world.network.id
        )
        assert opening is not None
        return [(r.followup.kind.value, r.answered, len(r.people)) for r in opening.rounds]

    return await app.db.run(work)
