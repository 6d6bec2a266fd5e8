"""The reminder outbox dispatcher: the outbox is the truth, the job queue only ticks it.

`Dispatcher.tick()` opens and closes follow-up rounds and sends every due row within
Telegram's limits; `job.start()` registers it with python-telegram-bot's job queue in
`post_init`, and `python -m bot.dispatch` runs it as a process of its own.
"""

from bot.dispatch.dispatcher import Dispatcher, Report
from bot.dispatch.pacing import Pacer

__all__ = ["Dispatcher", "Pacer", "Report"]
