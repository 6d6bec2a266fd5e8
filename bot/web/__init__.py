"""The web part of Refleks: forms and sign-in, served beside the bot (see `bot.web.app`)."""
