"""``python -m benchmarks`` (``make bench``): see benchmarks/main.py."""

import sys

from .main import main

sys.exit(main())
