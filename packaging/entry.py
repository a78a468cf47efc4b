"""PyInstaller's entry script: the bundle's executable runs the ``rss-desktop`` command line."""

import sys

from desktop.cli import process_main

if __name__ == "__main__":
    sys.exit(process_main())
