"""Commands of this family; registered on the ``tgo`` group by :func:`register`."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this family's commands to ``group``."""
