"""Terragrunt's explicit stacks: ``terragrunt.stack.hcl`` files whose ``unit`` and ``stack`` blocks are
generated into ``.terragrunt-stack/`` directories, each with its ``terragrunt.values.hcl``.

- :mod:`~orchestrator.stacks.stackfile`: one stack file evaluated into :class:`Component` values;
- :mod:`~orchestrator.stacks.values_file`: reading and writing ``terragrunt.values.hcl``;
- :mod:`~orchestrator.stacks.plan`: every stack file under a directory, level by level, with target
  paths checked, sources fetched and nesting followed, before anything is written;
- :mod:`~orchestrator.stacks.write`: the plan written to disk (only what changed), stale files removed
  by manifest; ``clean``.
"""

from orchestrator.config.values import STACK_FILE, VALUES_FILE

__all__ = ["STACK_FILE", "VALUES_FILE"]
