"""Server-rendered pages: one Jinja2 environment, texts from the same catalog as the chat."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.i18n import Lang, t
from bot.scheduling import format_date
from bot.views import say

TEMPLATES = Path(__file__).parent / "templates"
D = TypeVar("D", int, None)

ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def form_int(value: object, default: D) -> int | D:
    """A whole number from a form field or query parameter, or `default` when it is not one."""
    try:
        return int(str(value))
    except ValueError:
        return default


def safe(html: str) -> Markup:
    """Text the dialogue engine or the catalog made HTML-safe (answers in it are escaped)."""
    return Markup(html)  # noqa: S704


ENVIRONMENT.filters["safe_html"] = safe


def page(
    request: Request,
    template: str,
    *,
    lang: Lang = "da",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` in `lang`; `t(key)` in a template is the text `key` in that language."""

    def text(key: str, **params: Any) -> str:
        return t(lang, key, **params)

    def said(key: str, **params: Any) -> Markup:
        """A chat text, whose small HTML (<b>, <i>) is kept and whose values are escaped."""
        return Markup(say(lang, key, **params))  # noqa: S704 (values escaped by say)

    def day(value: date | datetime) -> str:
        """A date as people write it: "23. november 2026" / "23 November 2026"."""
        plain = value.date() if isinstance(value, datetime) else value
        return format_date(plain, lang, weekday=False)

    html = ENVIRONMENT.get_template(template).render(
        request=request, lang=lang, t=text, said=said, day=day, **context
    )
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})
