"""Where a config file is being evaluated: the values Terragrunt's path functions answer from.

Terragrunt evaluates an included file in the context of the module that includes it, so
``get_terragrunt_dir()`` and ``find_in_parent_folders()`` in ``root.hcl`` refer to the module. A
:class:`FileContext` carries that, plus what tgo adds for nested includes: ``include_dir`` is the
directory of the file reached through an include (``None`` for the module's own file), and
``own_includes`` maps the current file's include labels to the directories of their targets.

Immutable and hashable: used as part of memo keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.errors import EvalError


def posix_relpath(target: Path, start: Path) -> str:
    rel = os.path.relpath(target, start)
    return rel if os.sep == "/" else Path(rel).as_posix()  # relpath's output is already normal


@dataclass(frozen=True)
class FileContext:
    """The evaluation context of one file (see module doc).

    ``terragrunt_dir``: what ``get_terragrunt_dir()`` returns (the module, or the file read by
    ``read_terragrunt_config``); ``config_file``: that module's (or read file's) config path, where
    ``find_in_parent_folders`` starts; ``original_dir``: the module the whole evaluation is for.
    """

    terragrunt_dir: Path
    config_file: Path
    original_dir: Path
    command: str | None = None
    include_dir: Path | None = None
    own_includes: tuple[tuple[str, Path], ...] = ()
    chain: tuple[Path, ...] = field(default=(), compare=True)
    iam_role: str | None = None

    # Direct construction, not dataclasses.replace(): these run several times per file evaluation.
    def for_include(self, target: Path) -> FileContext:
        """The context of ``target`` reached through an include from the current file."""
        return FileContext(
            terragrunt_dir=self.terragrunt_dir,
            config_file=self.config_file,
            original_dir=self.original_dir,
            command=self.command,
            include_dir=target.parent,
            own_includes=(),
            chain=(*self.chain, target),
            iam_role=None,
        )

    def with_includes(self, includes: tuple[tuple[str, Path], ...]) -> FileContext:
        if includes == self.own_includes:
            return self
        return FileContext(
            terragrunt_dir=self.terragrunt_dir,
            config_file=self.config_file,
            original_dir=self.original_dir,
            command=self.command,
            include_dir=self.include_dir,
            own_includes=includes,
            chain=self.chain,
            iam_role=self.iam_role,
        )

    def with_role(self, role: str | None) -> FileContext:
        if role == self.iam_role:
            return self
        return FileContext(
            terragrunt_dir=self.terragrunt_dir,
            config_file=self.config_file,
            original_dir=self.original_dir,
            command=self.command,
            include_dir=self.include_dir,
            own_includes=self.own_includes,
            chain=self.chain,
            iam_role=role,
        )

    def include_target_dir(self, label: str | None) -> Path | None:
        """The directory ``path_relative_*`` / ``get_parent_terragrunt_dir`` measure against.

        Raises EvalError when the module has several includes and no label was given, or the
        label names no include.
        """
        own = dict(self.own_includes)
        if label is not None:
            if label in own:
                return own[label].parent
            if self.include_dir is not None:
                return self.include_dir
            known = ", ".join(sorted(own)) or "none"
            raise EvalError(f"no include block labelled {label!r} (labels here: {known})")
        if self.include_dir is not None:
            return self.include_dir
        if not own:
            return None
        if len(own) == 1:
            return next(iter(own.values())).parent
        raise EvalError(
            "this config has several include blocks",
            hint=f"name the one you mean, e.g. path_relative_to_include({next(iter(own))!r})",
        )
