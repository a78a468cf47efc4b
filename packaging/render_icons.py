"""Render resources/icons/rss-desktop.svg into PNGs for the bundle and desktop entries.

    .venv/bin/python packaging/render_icons.py

writes resources/icons/png/rss-desktop-<N>.png for N in 16, 32, 48, 64, 128, 256. Run it again
after changing the SVG; the PNGs are kept in the repository so a build needs no renderer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "rss-desktop.svg"
OUTPUT = ROOT / "resources" / "icons" / "png"
SIZES = (16, 32, 48, 64, 128, 256)


def render(sizes=SIZES, source: Path = SOURCE, output: Path = OUTPUT) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"{source}: not a valid SVG")
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = output / f"{source.stem}-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"cannot write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in render():
        print(path.relative_to(ROOT))
