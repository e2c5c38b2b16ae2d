"""Running one module as a value in and a value out, on this machine or elsewhere.

- :mod:`task`: :class:`~orchestrator.execution.task.ModuleTask` (what to run), :class:`TaskResult`
  (what happened), :class:`ModuleEvent` (live status), :class:`RoleSession`: plain, picklable values
  without any credential.
- :mod:`base`: the :class:`~orchestrator.execution.base.Executor` protocol.
- :mod:`run_task`: :func:`~orchestrator.execution.run_task.run_task`, the one function that runs a
  task, on either side of the wire.
- :mod:`local`: :class:`~orchestrator.execution.local.LocalExecutor`, a thread pool (the default).

tgo's scheduler (:mod:`orchestrator.scheduler`) decides what is ready, what is skipped, fail-fast,
order and caps; an executor only runs the tasks it is given.
"""
