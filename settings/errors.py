"""The error a setting that stops the start raises."""

from __future__ import annotations

import click


class ConfigError(RuntimeError, click.ClickException):
    """Raised when a setting cannot be read, or the app is started in production with an unsafe one.

    It is also a `click.ClickException`, so any ``flask`` command (``check-config`` too) that finds
    the app refusing to start prints every problem, one a line, and exits with status 1.
    """

    def __init__(
        self, message: str, problems: list[str] | None = None, heading: str | None = "Refusing to start in production:"
    ) -> None:
        RuntimeError.__init__(self, message)
        click.ClickException.__init__(self, message)
        self.problems = list(problems or [])
        self.heading = heading

    def format_message(self) -> str:
        """What the ``flask`` command prints after ``Error:``: every problem on its own line."""
        if not self.problems:
            return self.message
        if self.heading is None:
            return "\n".join(self.problems)
        return self.heading + "\n" + "\n".join(f"  - {p}" for p in self.problems)
