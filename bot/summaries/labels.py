"""Words, numbers and dates of a summary in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from bot.i18n import as_lang, catalog
from bot.summaries.model import Partial, Report
from bot.summaries.period import Period

PREFIX = "report."


# Babel is thorough and slow; a digest repeats the same few dates and numbers thousands
# of times, so each is formatted once.
@lru_cache(maxsize=4096)
def _decimal(value: float, locale: str) -> str:
    return str(format_decimal(value, format="0.0", locale=locale))


@lru_cache(maxsize=4096)
def _date(value: date, locale: str) -> str:
    return str(format_date(value, format="medium", locale=locale))


def _locale(lang: str) -> str:
    return "en_GB" if lang == "en" else "da_DK"


@cache
def labels(lang: str) -> dict[str, str]:
    """Every `report.*` text in `lang`, without the prefix (templates use `L.mean`)."""
    texts = catalog(as_lang(lang))
    return {key[len(PREFIX) :]: value for key, value in texts.items() if key.startswith(PREFIX)}


class Formatter:
    """Numbers, dates and periods as a Danish or an English reader writes them."""

    def __init__(self, lang: str, timezone: str) -> None:
        self.lang = as_lang(lang)
        self.locale = _locale(self.lang)
        self.tz = ZoneInfo(timezone)
        self.L = labels(self.lang)

    def num(self, value: float | None) -> str:
        if value is None:
            return "–"
        return _decimal(round(value, 1), self.locale)

    def change(self, value: float) -> str:
        """A change with its direction: ↑ 0,3, ↓ 0,5 or → 0,0."""
        arrow = "↑" if round(value, 1) > 0 else "↓" if round(value, 1) < 0 else "→"
        return f"{arrow} {self.num(abs(value))}"

    def percent(self, value: float) -> str:
        return str(format_percent(value, locale=self.locale))

    def day(self, value: datetime | date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return _date(value, self.locale)

    def moment(self, value: datetime) -> str:
        """In Danish "23. nov. 2026 kl. 10.30", in English "23 Nov 2026, 10:30"."""
        local = value.astimezone(self.tz)
        if self.locale.startswith("da"):
            return f"{self.day(local.date())} kl. {local:%H.%M}"
        return str(format_datetime(local, format="d MMM y, HH:mm", locale=self.locale))

    def iso(self, value: datetime | date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(self.tz).date().isoformat()
        return value.isoformat()

    def status(self, value: str) -> str:
        return self.L.get(f"status_{value}", value)

    def period(self, period: Period) -> str:
        if period.name in ("all", "quarter", "schoolyear"):
            return self.L[f"period_{period.name}"]
        first, last = self.day(period.first), self.day(period.last)
        return self.L["period_range"].format(first=first, last=last)

    def title(self, report: Report) -> str:
        return self.L[f"title_{report.kind}"]

    def access_what(self, what: str) -> str:
        """`summary:team` as the reader says it."""
        kind = what.removeprefix("summary:")
        return self.L.get(f"title_{kind}", what)

    def round_label(self, label: str, closed_at: datetime) -> str:
        """A round is named by its label when it has one, otherwise by when it closed."""
        return label or self.day(closed_at)

    def teams(self, names: tuple[str, ...]) -> str:
        """ "Team A, Team B og Team C"."""
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} {self.L['and']} {names[-1]}"

    def partial(self, p: Partial) -> str:
        """A withheld network total given over the teams on show, and what is missing."""
        if p.mean is not None:
            text = self.L["partial_safety"].format(
                teams=p.teams, of_teams=p.of_teams, value=self.num(p.mean), people=p.respondents
            )
        else:
            text = self.L["partial_steps"].format(
                teams=p.teams,
                of_teams=p.of_teams,
                people=p.respondents,
                total=p.total,
                done=(p.counts or {}).get("done", 0),
            )
        if p.small:
            text += " " + self.L["partial_small"].format(teams=self.teams(p.small))
        return text

    def partial_group(self, name: str, p: Partial) -> str:
        """The group column of a withheld total's row over the teams on show."""
        return self.L["partial_group"].format(name=name, teams=p.teams, of_teams=p.of_teams)
