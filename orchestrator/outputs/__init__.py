"""Dependency outputs: read straight from a dependency's S3 state object, else ``terraform output -json``.

- :mod:`state_reader`: pure: a state document to ``terraform output -json``'s values; where an S3
  backend keeps a module's state (key, workspace, region, endpoint, path style).
- :mod:`s3_fetch`: the one GetObject per dependency, under the dependency's own role.
- :mod:`reader`: the per-run cache (:class:`~orchestrator.outputs.reader.DependencyOutputs`): state first,
  terraform as the fallback, dependencies of a module fetched in parallel, plan's prefetch, and which
  path each dependency took for the run report.
"""
