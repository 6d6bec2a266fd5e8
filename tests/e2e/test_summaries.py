"""A network leader asks for a summary in Telegram and gets messages, a document and a chart."""

from __future__ import annotations

from bot.services.privacy import accept
from storage.enums import Role
from tests.e2e.conftest import Harness
from tests.fakebot.world import BotMessage
from tests.summaries.scenario import build_network


def data_for(message: BotMessage, label_part: str) -> str:
    for label, data in message.buttons():
        if label_part.lower() in label.lower():
            return data
    raise AssertionError(f"no button like {label_part!r} in {message.buttons()}")


async def test_a_leader_reads_the_network_digest_in_telegram(bot: Harness) -> None:
    fake = bot.fake
    lea = fake.add_user("Lea", language_code="da")

    async def prepare(session):  # type: ignore[no-untyped-def]
        net = await build_network(bot.app, session, bot.clock)
        person = await accept(
            bot.app, session, language="da", display_name="Lea", telegram_id=lea.id
        )
        from storage.repositories import groups

        await groups.add_member(
            session,
            group_id=net.network.id,
            person_id=person.id,
            role=Role.leader,
            now=bot.clock.now,
        )
        return net

    net = await bot.app.db.run(prepare)

    await fake.send_text(lea, "/summary")
    menu = await fake.wait_for_message(lea)
    assert "Hvilken gruppe" in (menu.text or "")
    assert [label for label, _ in menu.buttons()] == ["Netværk Nord", "Bakken", "Engen", "Skovly"]
    await fake.press_button(lea, menu, data_for(menu, "Netværk Nord"))

    await fake.wait_until(lambda: "Hvilken periode" in (menu.text or ""))
    labels = [label for label, _ in menu.buttons()]
    assert "Luk runden om tryghed nu" not in labels  # only facilitators close rounds
    await fake.press_button(lea, menu, data_for(menu, "Hele perioden"))

    digest = await fake.wait_for_message(lea)
    assert "Netværksoversigt: Netværk Nord" in (digest.text or "")
    assert "Eleverne spørger mere" in (digest.text or "")
    assert "Til teamet." not in (digest.text or "")
    document = await fake.wait_for_message(lea, lambda m: m.file is not None)
    assert document.method == "sendDocument"
    assert (document.filename or "").endswith(".html")
    assert b"<!DOCTYPE html>" in (document.document or b"")
    photo = await fake.wait_for_message(lea, lambda m: m.method == "sendPhoto")
    assert (photo.document or b"").startswith(b"\x89PNG")
    assert net.network.name.encode() in (document.document or b"")


async def test_a_facilitator_closes_a_round_and_reads_the_access_log(bot: Harness) -> None:
    fake = bot.fake
    frida = fake.add_user("Frida", language_code="en")

    async def prepare(session):  # type: ignore[no-untyped-def]
        from storage.repositories import groups
        from tests.summaries.factory import Factory

        net = await build_network(bot.app, session, bot.clock)
        person = await accept(
            bot.app, session, language="en", display_name="Frida", telegram_id=frida.id
        )
        team = net.teams["Skovly"]
        await groups.add_member(
            session, group_id=team.id, person_id=person.id, role=Role.facilitator, now=bot.clock.now
        )
        make = Factory(bot.app, session)
        for member, score in zip(net.members["Skovly"], (5.0, 6.0, 4.0), strict=False):
            await make.checkin(team, member, score)
        return net

    await bot.app.db.run(prepare)
    await fake.send_text(frida, "/summary")
    menu = await fake.wait_for_message(frida)
    assert "Which period" in (menu.text or "")  # one group: straight to the choices
    await fake.press_button(frida, menu, data_for(menu, "Close the safety round"))
    closed = await fake.wait_for_message(frida)
    assert "closed with 3 answers" in (closed.text or "")

    await fake.send_text(frida, "/summary")
    menu = await fake.wait_for_message(frida)
    await fake.press_button(frida, menu, data_for(menu, "The last three months"))
    digest = await fake.wait_for_message(frida)
    assert "Psychological safety" in (digest.text or "")
    assert "5.0 (spread –, 3 answers)" in (digest.text or "")  # no spread of three
    await fake.wait_for_message(frida, lambda m: m.method == "sendDocument")

    await fake.send_text(frida, "/summary")
    menu = await fake.wait_for_message(frida, lambda m: "Which period" in (m.text or ""))
    await fake.press_button(frida, menu, data_for(menu, "Who has looked"))
    log = await fake.wait_for_message(frida, lambda m: "Who has looked" in (m.text or ""))
    assert "Frida" in (log.text or "")
    assert "Team digest" in (log.text or "")
