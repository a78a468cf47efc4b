"""Measurements on an SQLite file: the floor, the other writer, the article list, the feed tree,
idle cost, a process split in parts, statements."""
