"""Group-chat handlers for the learning circle: /circle, replies, buttons, timebox warnings.

Each handler runs one transaction (claiming the update id, so a redelivered update has no
second effect), commits, and only then talks to Telegram. With privacy mode on, the bot
only sees commands and replies to its own messages, which is exactly what the circle needs:
contributions are replies to the current phase message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, assert_never

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Message, ReplyParameters, Update, User
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.ext import Application, ContextTypes, JobQueue

from bot.app import App
from bot.button_kinds import decode
from bot.buttons import OutOfDate
from bot.i18n import Lang, as_lang, language_of
from bot.services import circle, circle_link, privacy
from bot.services.circle import Closed, Moment, Reply, ReplyKind
from bot.services.errors import Denied, ServiceError
from bot.telegram import circle_views as views
from bot.telegram.send import keyboard, split_html
from bot.unit import run_update
from bot.views import Button, View, problem_text, say
from dialogues.guards import clean_text
from storage.models import Group, Person
from storage.repositories import people

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyJobQueue = JobQueue[Any]
# `/circle link` turns the team's chat link on, `/circle nolink` off again.
LINK_ON, LINK_OFF = "link", "nolink"


@dataclass
class Out:
    """One message to send (or edit) in the chat once the transaction has committed."""

    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    reply_to: int | None = None
    # This message becomes the one people reply to (the circle's current position).
    phase: Moment | None = None
    # Edit this message instead of sending a new one.
    edit: int | None = None
    # First take the buttons off this message (a position the circle has left).
    strip: int | None = None


@dataclass
class Act:
    """Everything a handler does after its transaction."""

    outs: list[Out] = field(default_factory=list)
    alert: str | None = None  # a button press that did nothing: why, as an alert
    toast: str | None = None  # a short confirmation of a press
    plan: Moment | None = None  # (re)plan the timebox warning for this moment


def _out(view: View, **kwargs: Any) -> Out:
    return Out(view.html, view.buttons, **kwargs)


def after(moment: Moment) -> Act:
    """What the chat shows after the circle changed: a new phase, an edit, or the end."""
    if moment.completed or moment.cancelled:
        outs = [Out(text) for text in views.ending_texts(moment)]
        outs[0].strip = moment.previous_message_id
        question = views.share_question(moment)
        if question is not None:
            outs.append(_out(question))
        return Act(outs=outs, plan=moment)
    view = views.phase_view(moment)
    if moment.moved:
        return Act([_out(view, phase=moment, strip=moment.previous_message_id)], plan=moment)
    if moment.prompt_message_id is None:
        return Act(plan=moment)
    return Act([_out(view, edit=moment.prompt_message_id)], plan=moment)


def reply_act(result: Reply, user: User, message_id: int) -> Act:
    """The answer to a reply in the group."""
    lang, kind = result.lang, result.kind
    if kind in (ReplyKind.noted, ReplyKind.moved) and result.moment is not None:
        return after(result.moment)
    if kind == ReplyKind.must_join and result.link is not None:
        text = say(lang, "circle.must_join", name=user.first_name, link=result.link)
    elif kind == ReplyKind.must_join:
        text = say(lang, "circle.must_ask", name=user.first_name)
    elif kind == ReplyKind.not_your_turn:
        text = say(lang, "circle.not_your_turn", who=", ".join(result.allowed))
    elif kind == ReplyKind.problem and result.problem is not None:
        text = problem_text(lang, result.problem)
    else:
        text = say(lang, f"circle.{kind.value}")
    return Act([Out(text, reply_to=message_id)])


class GroupChannel:
    """The learning circle's bound callbacks, registered by the application builder."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- plumbing ---------------------------------------------------------------------

    async def _run(self, update_id: int, work: Callable[[AsyncSession], Awaitable[Act]]) -> Act:
        result = await run_update(self.app, update_id, work)
        return result if result is not None else Act()

    async def _person(self, session: AsyncSession, user: User) -> Person | None:
        """The person behind a Telegram user, only once they have said yes."""
        person = await people.by_telegram_id(session, user.id)
        if person is None or not await privacy.has_consented(session, person):
            return None
        return person

    def _know_username(self, bot: Bot) -> None:
        # Deep links need the bot's name; post_init sets it, but tests may not run post_init.
        if self.app.bot_username is None:
            self.app.bot_username = bot.username

    async def _finish(self, context: Context, chat_id: int, act: Act) -> None:
        await self.deliver(context.bot, chat_id, act.outs)
        if act.plan is not None:
            self.plan(context.job_queue, act.plan)

    async def deliver(self, bot: Bot, chat_id: int, outs: list[Out]) -> None:
        """Send, edit and strip in order; follow a chat that became a supergroup."""
        for out in outs:
            try:
                chat_id = await self._one(bot, chat_id, out)
            except ChatMigrated as exc:
                chat_id = await self._follow(chat_id, int(exc.new_chat_id))
                await self._one(bot, chat_id, out)
            except Forbidden:
                # The bot was removed from the group: nothing more can reach it.
                log.info("group chat unreachable", extra={"chat": chat_id})
                return

    async def _follow(self, old: int, new: int) -> int:
        """The chat became a supergroup while we were not told: move the link, use the new id."""
        await self.app.db.run(lambda s: circle.moved_chat(s, old, new))
        return new

    async def _one(self, bot: Bot, chat_id: int, out: Out) -> int:
        if out.strip is not None:
            await _strip(bot, chat_id, out.strip)
        if out.edit is not None:
            view = View(html=out.html, buttons=out.buttons)
            try:
                await bot.edit_message_text(
                    out.html, chat_id=chat_id, message_id=out.edit, reply_markup=keyboard(view)
                )
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    log.info("could not edit a circle message", extra={"chat": chat_id})
            return chat_id
        parts = split_html(out.html)
        sent: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            markup = keyboard(View(html=part, buttons=out.buttons)) if last else None
            reply = None
            if index == 0 and out.reply_to is not None:
                reply = ReplyParameters(out.reply_to, allow_sending_without_reply=True)
            sent = await bot.send_message(
                chat_id, part, reply_markup=markup, reply_parameters=reply
            )
        if out.phase is not None and sent is not None:
            moment, message_id = out.phase, sent.message_id
            await self.app.db.run(
                lambda s: circle.set_prompt_message(
                    s, session_id=moment.session_id, turn=moment.turn, message_id=message_id
                )
            )
        return chat_id

    # -- the timebox warning ----------------------------------------------------------

    def plan(self, job_queue: AnyJobQueue | None, moment: Moment) -> None:
        """Schedule the warning shortly before the phase's time is up (one job per circle)."""
        if job_queue is None:
            return
        name = f"circle-warning-{moment.session_id}"
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        warn_at = moment.warn_at
        if warn_at is None or moment.completed or moment.cancelled:
            return
        delay = max(warn_at - self.app.now(), timedelta(0))
        job_queue.run_once(self.warn, when=delay, data=(moment.session_id, moment.turn), name=name)

    async def warn(self, context: Context) -> None:
        """Tell the group that the phase's time is nearly up (a JobQueue callback)."""
        job = context.job
        if job is None or not isinstance(job.data, tuple):
            return
        session_id, turn = job.data
        await self.send_warning(context.bot, session_id, turn)

    async def send_warning(self, bot: Bot, session_id: int, turn: int) -> bool:
        """Warn once per phase and timebox when the time has come; True when sent."""
        moment = await self.app.db.run(
            lambda s: circle.due_warning(self.app, s, session_id=session_id, turn=turn)
        )
        if moment is None or moment.prompt is None:
            return False
        text = say(moment.lang, "circle.warning", phase=views.phase_title(moment))
        await self.deliver(bot, moment.chat_id, [Out(text, reply_to=moment.prompt_message_id)])
        return True

    async def restore(self, application: AnyApplication) -> None:
        """Plan the warnings of circles that were running when the bot last stopped."""
        moments = await self.app.db.run(lambda s: circle.running(self.app, s))
        for moment in moments:
            self.plan(application.job_queue, moment)

    # -- /circle ----------------------------------------------------------------------

    async def circle(self, update: Update, context: Context) -> None:
        """Link the chat to a team the first time, then start (or show) the learning circle."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or _not_a_person(message):
            await self._unknown_sender(update, context)
            return
        self._know_username(context.bot)
        wanted = (context.args or [""])[0].lower()

        async def work(session: AsyncSession) -> Act:
            group = await circle_link.chat_group(session, chat.id)
            lang = as_lang(group.language) if group else language_of(user.language_code)
            person = await self._person(session, user)
            if person is None:
                # The bot's own address, no invite: joining the team is the facilitator's call.
                link = f"https://t.me/{context.bot.username}"
                text = say(lang, "circle.start_bot_first", name=user.first_name, link=link)
                return Act([Out(text, reply_to=message.message_id)])
            try:
                if group is None:
                    return await self._link_first(session, person, chat.id, lang)
                if wanted in (LINK_ON, LINK_OFF):
                    return await self._chat_link(session, person, group, wanted == LINK_ON)
                return await self._begin(session, person, group, chat.id)
            except ServiceError as exc:
                return Act([Out(say(lang, exc.key, **exc.params), reply_to=message.message_id)])

        await self._finish(context, chat.id, await self._run(update.update_id, work))

    async def _link_first(
        self, session: AsyncSession, person: Person, chat_id: int, lang: Lang
    ) -> Act:
        teams = await circle_link.teams_to_link(self.app, session, person)
        if not teams:
            return Act([Out(say(lang, "circle.no_teams"))])
        if len(teams) > 1:
            return Act([Out(say(lang, "circle.choose_team"), views.team_buttons(teams))])
        group = await circle_link.link(
            self.app, session, person=person, group_id=teams[0].id, chat_id=chat_id
        )
        return await self._linked(session, person, group)

    async def _linked(self, session: AsyncSession, person: Person, group: Group) -> Act:
        text = say(as_lang(group.language), "circle.linked", group=group.name)
        act = await self._choose_focus(session, person, group)
        act.outs.insert(0, Out(text))
        return act

    async def _chat_link(
        self, session: AsyncSession, person: Person, group: Group, on: bool
    ) -> Act:
        """Turn the team's chat link on (and show it) or off; facilitators only."""
        lang, app = as_lang(group.language), self.app
        if not await circle_link.may_invite(app, session, person, group.id):
            return Act([Out(say(lang, "circle.only_facilitator"))])
        if not on:
            await circle_link.turn_chat_link_off(app, session, person=person, group_id=group.id)
            return Act([Out(say(lang, "circle.link_off"))])
        link = await circle_link.turn_chat_link_on(app, session, person=person, group_id=group.id)
        uses, days = circle_link.CHAT_LINK_USES, circle_link.CHAT_LINK_DAYS
        return Act([Out(say(lang, "circle.link_on", link=link, uses=uses, days=days))])

    async def _begin(
        self, session: AsyncSession, person: Person, group: Group, chat_id: int
    ) -> Act:
        moment = await circle.current(self.app, session, chat_id)
        if moment is None:
            return await self._choose_focus(session, person, group)
        # Only the facilitator may bring the controls back (with a way to end the circle).
        await circle_link.focus_choices(self.app, session, person=person, group_id=group.id)
        view = views.phase_view(moment, with_stop=True)
        notice = Out(say(moment.lang, "circle.already_running"))
        return Act([notice, _out(view, phase=moment, strip=moment.prompt_message_id)])

    async def _choose_focus(self, session: AsyncSession, person: Person, group: Group) -> Act:
        lang = as_lang(group.language)
        chosen = await circle_link.focus_choices(
            self.app, session, person=person, group_id=group.id
        )
        if not chosen:
            return Act([Out(say(lang, "circle.no_focus_candidates"))])
        buttons = views.focus_buttons(group.id, chosen)
        return Act([Out(say(lang, "circle.choose_focus"), buttons)])

    # -- buttons ----------------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        """Handle the circle's buttons; only facilitators' presses change anything."""
        query, user = update.callback_query, update.effective_user
        if query is None:
            return
        if user is None or not isinstance(query.message, Message):
            await query.answer()  # a message too old to show: nothing to do but stop the spinner
            return
        pressed = query.message
        self._know_username(context.bot)

        async def work(session: AsyncSession) -> Act:
            group = await circle_link.chat_group(session, pressed.chat_id)
            lang = as_lang(group.language) if group else language_of(user.language_code)
            person = await self._person(session, user)
            try:
                return await self._press(session, person, query.data, pressed, lang)
            except Closed as exc:
                return Act(alert=views.plain(say(lang, exc.key)))
            except Denied:
                return Act(alert=views.plain(say(lang, "circle.only_facilitator")))
            except ServiceError as exc:
                return Act(alert=views.plain(say(lang, exc.key, **exc.params)))

        act = Act()
        try:
            act = await self._run(update.update_id, work)
        finally:  # also when the press failed: the spinner stops either way
            try:
                await query.answer(act.alert or act.toast, show_alert=act.alert is not None)
            except BadRequest:
                log.info("a button press was answered too late")
        await self._finish(context, pressed.chat_id, act)

    async def _press(
        self,
        session: AsyncSession,
        person: Person | None,
        data: str | None,
        message: Message,
        lang: Lang,
    ) -> Act:
        action = decode(data)
        if isinstance(action, OutOfDate):
            return Act(alert=views.plain(say(lang, "stale.out_of_date")))
        pressed = None if action is None else views.read_press(action)
        if pressed is None:
            return Act(alert=views.plain(say(lang, "stale.unknown")))
        app = self.app
        if person is None:
            raise Denied("circle.only_facilitator")
        match pressed:
            case views.LinkButton(group_id=group_id):
                group = await circle_link.link(
                    app, session, person=person, group_id=group_id, chat_id=message.chat_id
                )
                act = await self._linked(session, person, group)
                act.outs[0].strip = message.message_id
                return act
            case views.FocusButton(group_id=group_id, person_id=focus_id):
                moment = await circle.start(
                    app,
                    session,
                    person=person,
                    group_id=group_id,
                    chat_id=message.chat_id,
                    focus_id=focus_id,
                )
                act = after(moment)
                started = say(moment.lang, "circle.started", focus=moment.focus)
                act.outs.insert(0, Out(started, edit=message.message_id))
                return act
            case views.ShareButton(session_id=sid, choice=choice):
                return await self._share(session, person, sid, choice, message)
            case _:
                return await self._steer(session, person, pressed)

    async def _steer(
        self,
        session: AsyncSession,
        person: Person,
        pressed: views.SettingButton | views.NextButton | views.ExtendButton | views.StopButton,
    ) -> Act:
        """The facilitator's buttons of a running circle: a setting, next, more time, stop."""
        app = self.app
        match pressed:
            case views.SettingButton(session_id=sid, turn=turn, option=index):
                moment = await circle.choose(
                    app, session, person=person, session_id=sid, turn=turn, index=index
                )
            case views.NextButton(session_id=sid, turn=turn):
                moment = await circle.advance(
                    app, session, person=person, session_id=sid, turn=turn
                )
            case views.ExtendButton(session_id=sid, turn=turn):
                moment = await circle.extend(app, session, person=person, session_id=sid, turn=turn)
            case views.StopButton(session_id=sid, turn=turn):
                moment = await circle.stop(app, session, person=person, session_id=sid, turn=turn)
            case _:
                assert_never(pressed)
        if moment.problem is not None:
            return Act(alert=views.refusal(moment))
        act = after(moment)
        if isinstance(pressed, views.ExtendButton):
            act.toast = views.plain(say(moment.lang, "circle.extended"))
        return act

    async def _share(
        self,
        session: AsyncSession,
        person: Person,
        session_id: int,
        choice: views.Sharing,
        message: Message,
    ) -> Act:
        """The focus person's answer to »may the leaders see it?«; anyone else is told whose
        choice it is, and nothing changes."""
        try:
            shared = await circle.share_with_leaders(
                self.app,
                session,
                person=person,
                session_id=session_id,
                share=choice is views.Sharing.SHARE,
            )
        except Denied as exc:
            lang = as_lang(person.language)
            return Act(alert=views.plain(say(lang, exc.key, **exc.params)))
        act = Act([_out(views.share_answer(shared), edit=message.message_id)])
        act.toast = views.plain(say(shared.lang, "circle.share_saved"))
        return act

    # -- replies ----------------------------------------------------------------------

    async def reply(self, update: Update, context: Context) -> None:
        """Take a reply to the phase message as a contribution (text only)."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None:
            return
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return  # a conversation between people, not meant for the bot
        if _not_a_person(message):
            await self._unknown_sender(update, context)
            return
        self._know_username(context.bot)
        text = clean_text(message.text) if message.text is not None else None

        async def work(session: AsyncSession) -> Act:
            result = await circle.reply(
                self.app,
                session,
                chat_id=chat.id,
                telegram_id=user.id,
                text=text,
                reply_to=replied.message_id,
            )
            return reply_act(result, user, message.message_id)

        await self._finish(context, chat.id, await self._run(update.update_id, work))

    # -- senders who are not a person -------------------------------------------------

    async def _unknown_sender(self, update: Update, context: Context) -> None:
        """Tell an anonymous administrator why nothing happens; stay silent to other bots."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None or message.sender_chat is None:
            return  # another bot: answering could start two bots talking to each other

        async def work(session: AsyncSession) -> Act:
            group = await circle_link.chat_group(session, chat.id)
            lang = as_lang(group.language) if group else "da"
            return Act([Out(say(lang, "circle.anonymous"), reply_to=message.message_id)])

        await self._finish(context, chat.id, await self._run(update.update_id, work))

    # -- a group that became a supergroup ---------------------------------------------

    async def migrated(self, update: Update, context: Context) -> None:
        """Follow the chat to its new id and show the running circle there again."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id is not None:
            old, new = message.chat.id, message.migrate_to_chat_id
            await self.app.db.run(lambda s: circle.moved_chat(s, old, new))
            return
        if message.migrate_from_chat_id is None:
            return
        source, target = message.migrate_from_chat_id, message.chat.id

        async def work(session: AsyncSession) -> Act:
            await circle.moved_chat(session, source, target)
            group = await circle_link.chat_group(session, target)
            moment = await circle.current(self.app, session, target)
            if group is None or moment is None:
                return Act()
            notice = Out(say(moment.lang, "circle.migrated", group=group.name))
            return Act([notice, _out(views.phase_view(moment), phase=moment)], plan=moment)

        await self._finish(context, target, await self._run(update.update_id, work))


def _not_a_person(message: Message) -> bool:
    """Written by a bot, or on behalf of a chat (an anonymous group administrator, a channel).

    Neither can say yes to the privacy text, so nothing they write can be kept.
    """
    sender = message.from_user
    return message.sender_chat is not None or sender is None or sender.is_bot


async def _strip(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a message; it may be gone or have none, which is fine."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except BadRequest:
        log.debug("no buttons to take off", extra={"chat": chat_id})
