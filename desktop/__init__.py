"""RSS Desktop Companion: bulk mark-as-read jobs on an RSS reader's shared SQLite database."""

__version__ = "0.1.0"

# The reverse-DNS application id: the desktop file, icon and AppStream names, and the window's
# desktop file name (Wayland and the task bar find the icon through it).
APP_ID = "io.github.rssdesktop.RssDesktop"
