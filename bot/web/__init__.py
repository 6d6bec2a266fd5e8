"""Refleks's web server: one ASGI application (Starlette), served by uvicorn."""
