"""What a run measures on: an SQLite file's path or a PostgreSQL database's URL."""


def is_server_url(path) -> bool:
    return str(path).startswith("postgresql://")
