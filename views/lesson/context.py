"""What every lesson step is given: `Ctx` (views/lesson/__init__.py builds it on each run).

A step is `def step_xxx(ctx: Ctx) -> None`; it draws, in this order, its short text, its
formula (st.latex), its live view, its numbers inside `st.container(key="lesson_numbers")`
(frame.numbers()) and one thing to try (frame.try_this()).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Ctx:
    """models: the readable and unreadable checkpoint paths the app lists; folder: the
    checkpoints folder; lang: the page's language ("en" or "zh"); step: this step, 1..7."""

    models: list[str]
    folder: Path
    lang: str
    step: int

    def model(self, name: str) -> str | None:
        """The path of the checkpoint file `name` (like "mnist-vae-2d.pt"), or None when the
        folder holds no such file."""
        for path in self.models:
            if Path(path).name == name:
                return path
        return None
