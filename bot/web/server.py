"""uvicorn serving the web part inside the running Refleks process, in its event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from bot.config import Settings


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host: `stop()` (or a signal the host
    routes to it with `stop_on_signals`) ends `serve()`, and nothing is re-raised after."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()  # set once it listens

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop(self) -> None:
        self.should_exit = True

    def stop_on_signals(self) -> None:
        """SIGINT and SIGTERM end the server (so `docker stop` shuts Refleks down cleanly)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop)

    @property
    def port(self) -> int:
        """The port it listens on (the real one when configured with port 0)."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self.config.port


def web_server(settings: Settings, web_app: ASGIApp, *, port: int | None = None) -> EmbeddedServer:
    """A server for `web_app` on REFLEKS_WEB_HOST/REFLEKS_WEB_PORT.

    uvicorn's access log is off: sign-in links carry a token in their address, and the
    addresses of reflections are nobody's business in a log.
    """
    config = uvicorn.Config(
        web_app,
        host=settings.refleks_web_host,
        port=settings.refleks_web_port if port is None else port,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,
    )
    return EmbeddedServer(config)
