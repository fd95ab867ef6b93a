"""Output for the technician: translated lines and progress bars (rich)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from provision.errors import ProvisionError
from provision.i18n import Translator


class Ui:
    """Prints translated messages to stdout and errors to stderr."""

    def __init__(self, language: str = "id", quiet: bool = False) -> None:
        self.t = Translator(language)
        self.quiet = quiet
        self.out = Console(file=sys.stdout, highlight=False)
        self.err = Console(file=sys.stderr, highlight=False)

    def say(self, key: str, **params: Any) -> None:
        if not self.quiet:
            self.out.print(self.t(key, **params), markup=False)

    def error(self, error: ProvisionError) -> None:
        key = error.fault.value
        # Values that are message keys themselves (``action.*``) are translated too.
        params = {
            name: self.t(value) if isinstance(value, str) and self.t.has(value) else value
            for name, value in error.params.items()
        }
        self.err.print(f"{self.t('error.prefix')}: {self.t(key, **params)}", markup=False)
        next_key = f"{key}.next"
        if self.t.has(next_key):
            self.err.print(f"{self.t('error.next')}: {self.t(next_key, **params)}", markup=False)

    @contextmanager
    def bar(
        self, key: str, total: float | None, in_bytes: bool = False, **params: Any
    ) -> Iterator[Any]:
        """Show one progress bar; yield ``update(completed)``. ``total=None`` shows a spinner."""
        columns: list[Any] = [SpinnerColumn(finished_text="✓"), TextColumn("{task.description}")]
        if total is not None:
            columns += [BarColumn(), DownloadColumn() if in_bytes else TaskProgressColumn()]
        columns.append(TimeElapsedColumn())
        progress = Progress(*columns, console=self.out, disable=self.quiet, transient=False)
        with progress:
            task = progress.add_task(self.t(key, **params), total=total)

            def update(completed: float, total_now: float | None = None) -> None:
                if total_now is not None:
                    progress.update(task, total=total_now)
                progress.update(task, completed=completed)

            yield update
            # Reached only on success: a finished task shows a tick, not a spinner.
            final = progress.tasks[0].total or total or 1
            progress.update(task, total=final, completed=final)
