"""The main window's part that acts on single articles and follows the engine's article writes.

A mixin of MainWindow (see job_actions.py for the same arrangement): it uses the window's
engine (``manager``), user, widgets and helpers (``spawn``, ``status_label``).
"""

from __future__ import annotations

from ..store.article_state import ArticleChange


class ArticleActions:
    def _on_article_changed(self, change: ArticleChange) -> None:
        """An article written alone (here, by this engine): its feed's count moves at once."""
        if change.user_id != self.user_id:
            return
        self.tree_model.apply_article_change(change.sequence, change.feed_id,
                                             change.unread_delta)
        self._update_actions()
