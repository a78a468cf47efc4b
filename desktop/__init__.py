"""RSS Desktop Companion: bulk mark-as-read jobs on an RSS reader's shared SQLite database."""

__version__ = "0.1.0"
