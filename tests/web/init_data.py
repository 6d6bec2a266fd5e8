"""Mini App init data signed as Telegram signs it (or forged, for the refusals)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode


def signed_init_data(
    bot_token: str, *, user_id: int, first_name: str, signed_at: datetime, lang: str = "da"
) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": first_name, "language_code": lang},
            separators=(",", ":"),
        ),
        "auth_date": str(int(signed_at.timestamp())),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def telegram_script(init_data: str) -> str:
    """A stand-in for telegram-web-app.js: what the page reads from it, and nothing else."""
    return (
        "window.Telegram = {WebApp: {initData: "
        + json.dumps(init_data)
        + ", ready: function () {}}};"
    )
