"""Every query lives here; nothing outside storage/ writes SQL.

Each module holds the queries of one area as functions taking an `AsyncSession` first.
The caller owns the transaction (see `storage.db.Database.run`).
"""
