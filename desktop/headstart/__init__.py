"""What a command reads ahead while Python imports the engine (issue 26): plain sqlite3 and
``stat`` on threads of their own, importing nothing heavy (no peewee, no Qt).

- tree.py: the window's first tree and counts (``rss-desktop [gui]``);
- check.py: the check before the first write (``mark-read``, ``undo``);
- checked_files.py: the record of checks that passed, which both read first;
- outside.py: the file seen from outside SQLite (identity, a WAL no process holds).

The lowest layer (pyproject.toml's import-linter contract): the store builds on these, sharing
their statements, rather than the other way round.
"""
