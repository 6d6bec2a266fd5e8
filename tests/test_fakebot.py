"""The fake Bot API, driven by a tiny real python-telegram-bot application over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakebot import FakeBotApi, Violation
from tests.fakebot.faults import FloodLimiter
from tests.fakebot.htmltext import FormatError, parse_html
from tests.fakebot.ptb import application_builder, running_application
from tests.fakebot.schema import SchemaChecker
from tests.fakebot.server import HANDLERS
from tests.fakebot.spec import load_spec

App = Application[Any, Any, Any, Any, Any, Any]

# -- a tiny bot ------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and offer two buttons."""
    assert update.effective_message is not None
    assert update.effective_user is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Ja", callback_data="yes")],
            [InlineKeyboardButton("Nej", callback_data="no")],
        ]
    )
    await update.effective_message.reply_text(
        f"Hej <b>{update.effective_user.first_name}</b>!", reply_markup=keyboard
    )


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Thank for the choice and show it in place of the buttons."""
    query = update.callback_query
    assert query is not None
    await query.answer("Tak")
    await query.edit_message_text(f"Du valgte {query.data}")


async def send_notes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a small document."""
    assert update.effective_message is not None
    await update.effective_message.reply_document(
        document=b"line one\nline two\n", filename="noter.txt", caption="<i>Dine</i> noter"
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    await update.effective_message.reply_text(f"Du skrev: {update.effective_message.text}")


def build_app(fake: FakeBotApi, *, rate_limiter: bool = False) -> App:
    """The tiny bot, wired against the fake."""
    builder = application_builder(fake).defaults(Defaults(parse_mode=ParseMode.HTML))
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("noter", send_notes))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
async def app(fake_bot_api: FakeBotApi) -> AsyncIterator[App]:
    """The tiny bot, polling the fake."""
    async with running_application(fake_bot_api, build_app(fake_bot_api)) as running:
        yield running


async def raw_call(
    fake: FakeBotApi, method: str, data: dict[str, str] | None = None, *, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST form data straight to the fake, bypassing PTB's own checks."""
    url = f"{fake.base_url}{token or fake.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=data or {}) as resp:
        return resp.status, json.loads(await resp.text())


# -- conversations through real PTB ----------------------------------------------------


async def test_command_gets_a_reply_with_buttons(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    await fake.send_text(anna, "/start")
    reply = await fake.wait_for_message(anna)
    assert reply.text == "Hej Anna!"
    assert reply.data["entities"] == [{"offset": 4, "length": 4, "type": "bold"}]
    assert reply.source_text == "Hej <b>Anna</b>!"
    assert reply.buttons() == [("Ja", "yes"), ("Nej", "no")]
    assert [r.method for r in fake.requests[:2]] == ["getMe", "deleteWebhook"]


async def test_button_press_is_answered_and_edits_the_message(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    await fake.send_text(anna, "/start")
    question = await fake.wait_for_message(anna)
    query_id = await fake.press_button(anna, question, "no")
    await fake.wait_until(lambda: question.text == "Du valgte no")
    await fake.idle()
    assert fake.callback_answers == [{"callback_query_id": query_id, "text": "Tak"}]
    assert question.text == "Du valgte no"
    assert question.reply_markup is None
    assert question.edits[0]["text"] == "Hej Anna!"


async def silent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a press and never answer it (the bug the fake must catch)."""


async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press only once the test lets it (after time passed on the fake's clock)."""
    query = update.callback_query
    assert query is not None
    await context.bot_data["go"].wait()
    await query.answer()


async def test_a_press_left_unanswered_is_a_violation_after_a_few_seconds(
    fake_bot_api: FakeBotApi,
) -> None:
    fake = fake_bot_api
    now = [1000.0]
    fake.clock = lambda: now[0]
    bot = application_builder(fake).build()
    bot.add_handler(CallbackQueryHandler(slow, pattern="^slow$", block=False))
    bot.add_handler(CallbackQueryHandler(silent, pattern="^silent$"))
    bot.bot_data["go"] = asyncio.Event()
    anna = fake.add_user("Anna")
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("A", callback_data="slow")],
            [InlineKeyboardButton("B", callback_data="silent")],
        ]
    )
    async with running_application(fake, bot):
        question = await bot.bot.send_message(anna.id, "Vælg", reply_markup=keyboard)
        shown = fake.sent(anna)[-1]
        assert shown.message_id == question.message_id
        await fake.press_button(anna, shown, "slow")
        await fake.wait_until(lambda: bool(fake.unanswered))
        now[0] += fake.answer_within - 0.5
        await bot.bot.get_me()  # any request lets the fake look at its clock
        assert fake.violations == []  # still within the few seconds
        now[0] += 0.5
        await bot.bot.get_me()
        (late,) = fake.take_violations()
        assert late.method == "answerCallbackQuery"
        assert "'slow' was not answered within 5 s" in late.message
        bot.bot_data["go"].set()
        await fake.wait_until(lambda: len(fake.callback_answers) == 1)

        await fake.press_button(anna, shown, "silent")
        await fake.idle()
        assert fake.violations == []  # no time has passed yet
    await fake.stop()  # the bot is gone: the press will never be answered
    (never,) = fake.take_violations()
    assert "'silent' was not answered" in never.message


async def test_document_upload_keeps_bytes_name_and_caption(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    bo = fake.add_user("Bo", language_code="en")
    await fake.send_text(bo, "/noter")
    sent = await fake.wait_for_message(bo)
    assert sent.document == b"line one\nline two\n"
    assert sent.filename == "noter.txt"
    assert sent.text == "Dine noter"
    assert sent.data["caption_entities"] == [{"offset": 0, "length": 4, "type": "italic"}]
    file = await app.bot.get_file(sent.data["document"]["file_id"])
    assert await file.download_as_bytearray() == bytearray(b"line one\nline two\n")


async def test_group_command_addressed_to_the_bot_is_answered_as_a_reply(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    anna, bo = fake.add_user("Anna"), fake.add_user("Bo")
    team = fake.add_group("Team 4.b", members=[bo], admins=[anna])
    command = await fake.send_text(bo, "/start@refleks_test_bot", chat=team)
    reply = await fake.wait_for_message(team)
    assert reply.text == "Hej Bo!"
    assert reply.data["reply_to_message"]["message_id"] == command["message_id"]


async def test_privacy_mode_hides_plain_group_chatter(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna, bo = fake.add_user("Anna"), fake.add_user("Bo")
    team = fake.add_group("Team 4.b", members=[anna, bo])
    await fake.send_text(anna, "godmorgen alle", chat=team)
    await fake.send_text(bo, "/start@some_other_bot", chat=team)
    await fake.idle()
    assert fake.sent(team) == []
    await fake.send_text(anna, "hej @refleks_test_bot", chat=team)
    mentioned = await fake.wait_for_message(team)
    assert mentioned.text == "Du skrev: hej @refleks_test_bot"
    await fake.send_text(bo, "svar til botten", chat=team, reply_to=mentioned)
    replied = await fake.wait_for_message(team)
    assert replied.text == "Du skrev: svar til botten"


async def test_rate_limited_send_is_retried_by_the_rate_limiter(
    fake_bot_api: FakeBotApi,
) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    fake.fail("sendMessage", status=429, retry_after=1)
    async with running_application(fake, build_app(fake, rate_limiter=True)):
        await fake.send_text(anna, "/start")
        reply = await fake.wait_for_message(anna)
    assert reply.text == "Hej Anna!"
    assert len(fake.calls("sendMessage")) == 2


async def test_blocked_user_answers_forbidden(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    fake.block(anna)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(anna.id, "Er du der?")
    assert fake.sent(anna) == []


async def test_unstarted_user_cannot_be_contacted(fake_bot_api: FakeBotApi, app: App) -> None:
    carl = fake_bot_api.add_user("Carl", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await app.bot.send_message(carl.id, "Hej")


async def test_edit_with_identical_content_is_not_modified(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    sent = await app.bot.send_message(anna.id, "Samme tekst")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("Samme tekst", chat_id=anna.id, message_id=sent.message_id)
    assert fake.violations == []


async def test_migrated_group_answers_with_the_new_chat_id(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    team = fake.add_group("Team", admins=[anna])
    supergroup = fake.migrate_to_supergroup(team)
    with pytest.raises(ChatMigrated) as caught:
        await app.bot.send_message(team.id, "Hej")
    assert caught.value.new_chat_id == supergroup.id
    sent = await app.bot.send_message(supergroup.id, "Hej igen")
    assert sent.chat.type == "supergroup"


async def test_wrong_token_is_rejected_at_initialize(fake_bot_api: FakeBotApi) -> None:
    requests = HTTPXRequest(), HTTPXRequest()
    bot = Bot(
        "42:not-the-token",
        base_url=fake_bot_api.base_url,
        request=requests[0],
        get_updates_request=requests[1],
    )
    try:
        with pytest.raises(InvalidToken):
            await bot.initialize()
    finally:
        # A failed initialize leaves the connection pools open; close them by hand.
        for request in requests:
            await request.shutdown()


async def test_delayed_answer_times_out_the_client(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    fake.fail("sendMessage", status=None, delay=0.3)
    with pytest.raises(TimedOut):
        await app.bot.send_message(anna.id, "Langsom", read_timeout=0.05)


async def test_edited_message_reaches_the_bot(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    first = await fake.send_text(anna, "første udgave")
    assert (await fake.wait_for_message(anna)).text == "Du skrev: første udgave"
    edited = fake.edit_user_message(anna, first, "anden udgave")
    assert edited["message_id"] == first["message_id"]
    assert (await fake.wait_for_message(anna)).text == "Du skrev: anden udgave"


async def test_user_media_and_service_updates_are_spec_valid(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    team = fake.add_group("Team", admins=[anna], bot_is_admin=True)
    fake.send_photo(anna, caption="tavlen")
    fake.send_sticker(anna)
    fake.send_voice(anna)
    fake.send_document(anna, chat=team)
    fake.block(anna)
    fake.migrate_to_supergroup(team)
    await fake.idle()
    assert fake.updates.pending == []
    assert len(fake.calls("getUpdates")) >= 2
    assert fake.violations == []


async def test_invalid_answer_of_the_fake_itself_is_a_violation(
    fake_bot_api: FakeBotApi, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(world: Any, request: Any) -> Any:
        return {"id": "not a number", "is_bot": True, "first_name": "X"}

    monkeypatch.setitem(HANDLERS, "getMe", broken)
    await app.bot.get_me()
    [violation] = fake_bot_api.take_violations()
    assert violation.parameter == "<result>"
    assert "result.id: expected Integer" in violation.message


async def test_method_the_fake_does_not_emulate_is_flagged(
    fake_bot_api: FakeBotApi, app: App
) -> None:
    anna = fake_bot_api.add_user("Anna")
    with pytest.raises(BadRequest, match="not emulated"):
        await app.bot.send_dice(anna.id)
    assert fake_bot_api.take_violations() == [Violation("sendDice", "", "not emulated")]


async def test_conflicting_poller_gets_409(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.conflict_polling(times=1)
    status, body = await raw_call(fake_bot_api, "getUpdates", {"timeout": "0"})
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates")
    assert (await raw_call(fake_bot_api, "getUpdates", {"timeout": "0"}))[0] == 200


async def test_commands_and_menu_button_are_stored(fake_bot_api: FakeBotApi, app: App) -> None:
    commands = [BotCommand("start", "Begynd"), BotCommand("hjaelp", "Få hjælp")]
    scope = BotCommandScopeAllPrivateChats()
    await app.bot.set_my_commands(commands, scope=scope, language_code="da")
    assert await app.bot.get_my_commands(scope=scope, language_code="da") == tuple(commands)
    assert await app.bot.get_my_commands() == ()
    await app.bot.delete_my_commands(scope=scope, language_code="da")
    assert await app.bot.get_my_commands(scope=scope, language_code="da") == ()
    await app.bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert await app.bot.get_chat_menu_button() == MenuButtonCommands()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await app.bot.set_my_commands([BotCommand("Start", "Begynd")])
    assert [v.parameter for v in fake_bot_api.take_violations()] == ["commands"]


async def test_chats_and_members_are_described(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    anna, bo, carl = fake.add_user("Anna"), fake.add_user("Bo"), fake.add_user("Carl")
    team = fake.add_group("Team", members=[carl], admins=[anna, bo], supergroup=True)
    chat = await app.bot.get_chat(team.id)
    assert (chat.type, chat.title) == ("supergroup", "Team")
    statuses = [(await app.bot.get_chat_member(team.id, u.id)).status for u in (anna, bo, carl)]
    assert statuses == ["creator", "administrator", "member"]
    admins = await app.bot.get_chat_administrators(team.id)
    assert [a.user.id for a in admins] == [anna.id, bo.id]
    assert await app.bot.leave_chat(team.id)
    with pytest.raises(Forbidden, match="not a member"):
        await app.bot.send_message(team.id, "Hej")


# -- the validator ---------------------------------------------------------------------


async def test_unknown_method_is_not_found(fake_bot_api: FakeBotApi, app: App) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("sendMesage", api_kwargs={"chat_id": 1, "text": "x"})
    assert fake_bot_api.take_violations() == [Violation("sendMesage", "", "unknown method")]


async def test_missing_required_parameter_is_rejected(fake_bot_api: FakeBotApi) -> None:
    anna = fake_bot_api.add_user("Anna")
    status, body = await raw_call(fake_bot_api, "sendMessage", {"chat_id": str(anna.id)})
    assert (status, body["description"]) == (400, 'Bad Request: parameter "text" is required')
    assert fake_bot_api.take_violations() == [
        Violation("sendMessage", "text", 'parameter "text" is required')
    ]


async def test_unknown_parameter_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter"):
        await app.bot.send_message(anna.id, "Hej", api_kwargs={"colour": "red"})
    assert [v.parameter for v in fake_bot_api.take_violations()] == ["colour"]


async def test_defaults_extras_are_tolerated(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    sent = await app.bot.send_message(anna.id, "Hej")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    await app.bot.edit_message_reply_markup(
        anna.id,
        sent.message_id,
        reply_markup=keyboard,
        api_kwargs={"disable_notification": True, "protect_content": False},
    )
    assert fake_bot_api.sent(anna)[0].buttons() == [("OK", "ok")]


async def test_wrong_type_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    with pytest.raises(BadRequest, match=r"(?i)must be Boolean"):
        await app.bot.send_message(anna.id, "Hej", api_kwargs={"protect_content": "maybe"})
    with pytest.raises(BadRequest, match=r"(?i)expected Integer"):
        await app.bot.send_message(
            anna.id, "Hej", api_kwargs={"reply_parameters": {"message_id": "one"}}
        )
    assert [v.parameter for v in fake_bot_api.take_violations()] == [
        "protect_content",
        "reply_parameters",
    ]


async def test_too_long_text_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    await app.bot.send_message(anna.id, "<b>" + "x" * 4096 + "</b>")  # tags do not count
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(anna.id, "x" * 4097)
    assert [v.message for v in fake_bot_api.take_violations()] == ["message is too long"]


async def test_bad_html_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await app.bot.send_message(anna.id, "1 < 2 & <b>fed")
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await app.bot.send_message(anna.id, "linje<br>linje")
    assert len(fake_bot_api.take_violations()) == 2


async def test_reply_to_a_missing_message_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await app.bot.send_message(anna.id, "Hej", reply_to_message_id=999)
    assert [v.parameter for v in fake_bot_api.take_violations()] == ["reply_parameters"]
    sent = await app.bot.send_message(
        anna.id, "Hej", reply_to_message_id=999, allow_sending_without_reply=True
    )
    assert sent.reply_to_message is None


async def test_callback_data_over_64_bytes_is_rejected(fake_bot_api: FakeBotApi, app: App) -> None:
    anna = fake_bot_api.add_user("Anna")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ø", callback_data="ø" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(anna.id, "Vælg", reply_markup=keyboard)
    assert [v.parameter for v in fake_bot_api.take_violations()] == ["reply_markup"]


async def test_wire_formats_are_all_understood(fake_bot_api: FakeBotApi) -> None:
    fake = fake_bot_api
    anna = fake.add_user("Anna")
    url = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/SENDMESSAGE", params={"chat_id": anna.id, "text": "a"}) as r:
            assert r.status == 200
        async with session.post(f"{url}/sendMessage", json={"chat_id": anna.id, "text": "b"}) as r:
            assert r.status == 200
        async with session.post(f"{url}/sendMessage", json={"chat_id": anna.id, "text": 3}) as r:
            assert r.status == 400
    assert [m.text for m in fake.sent(anna)] == ["a", "b"]
    assert [v.parameter for v in fake.take_violations()] == ["text"]
    status, body = await raw_call(fake, "getMe", token="1:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")


# -- flood limits ----------------------------------------------------------------------


async def test_flood_emulation_counts_a_burst(fake_bot_api: FakeBotApi, app: App) -> None:
    fake = fake_bot_api
    now = [1000.0]
    fake.clock = lambda: now[0]
    fake.enable_flood_limits(per_chat_per_second=1, burst=3)
    anna = fake.add_user("Anna")
    for number in range(3):
        await app.bot.send_message(anna.id, f"Besked {number}")
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(anna.id, "En for mange")
    assert caught.value.retry_after == timedelta(seconds=1)
    assert [(v.chat_id, v.retry_after) for v in fake.flood_violations] == [(anna.id, 1)]
    now[0] += 1.0
    await app.bot.send_message(anna.id, "Nu igen")
    assert len(fake.sent(anna)) == 4


def test_flood_limiter_caps_a_group_per_minute() -> None:
    now = [0.0]
    limiter = FloodLimiter(
        lambda: now[0],
        per_chat_per_second=100,
        burst=100,
        group_per_minute=20,
        overall_per_second=1000,
    )
    answers = [limiter.check("sendMessage", -42) for _ in range(21)]
    assert answers[:20] == [None] * 20
    assert answers[20] == 3  # one message every three seconds refills the bucket
    assert limiter.check("sendChatAction", -42) is None
    now[0] += 3
    assert limiter.check("sendMessage", -42) is None


# -- pieces on their own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text", "types"),
    [
        ("<b>a</b> &amp; <i>b</i>", "a & b", ["bold", "italic"]),
        ('<a href="https://x.dk/?a=1&amp;b=2">link</a>', "link", ["text_link"]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", ["pre"]),
        ("<blockquote expandable>citat</blockquote>", "citat", ["expandable_blockquote"]),
        ('<span class="tg-spoiler">hemmelig</span>', "hemmelig", ["spoiler"]),
        ("😀 <u>x</u> &#248; 3 > 2", "😀 x ø 3 > 2", ["underline"]),
    ],
)
def test_html_is_rendered_to_text_and_entities(markup: str, text: str, types: list[str]) -> None:
    rendered = parse_html(markup)
    assert rendered.text == text
    assert [e["type"] for e in rendered.entities] == types


def test_entity_offsets_count_utf16_units() -> None:
    assert parse_html("😀<b>x</b>").entities == [{"offset": 2, "length": 1, "type": "bold"}]


@pytest.mark.parametrize(
    "markup",
    [
        "a < b",
        "a & b",
        "<b>x",
        "</b>",
        "<b><i>x</b></i>",
        "<span>x</span>",
        "&nbsp;",
        "<div>x</div>",
    ],
)
def test_broken_html_is_refused(markup: str) -> None:
    with pytest.raises(FormatError):
        parse_html(markup)


def test_schema_checks_unions_by_discriminator_and_by_structure() -> None:
    checker = SchemaChecker(load_spec())
    scope = ("BotCommandScope",)
    assert checker.check({"type": "chat", "chat_id": 5}, scope, "scope") is None
    assert "lacks required field 'chat_id'" in str(checker.check({"type": "chat"}, scope, "s"))
    assert "is not one of" in str(checker.check({"type": "room"}, scope, "s"))
    content = ("InputMessageContent",)
    assert checker.check({"message_text": "hej"}, content, "c") is None
    assert "matches no member" in str(checker.check({"text": "hej"}, content, "c"))
    assert "expected Integer" in str(checker.check(True, ("Integer",), "n"))
