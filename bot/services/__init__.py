"""Use cases, written once and called by every channel (Telegram, console) and the CLI."""
