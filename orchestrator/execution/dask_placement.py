"""Account affinity on the client: which Dask worker a module should go to. Pure.

A module goes to a worker that already ran its account's modules when that worker has a free thread,
else to the worker with the most free threads, which then joins the account's workers. Each worker
assumes a role once (its own credential cache), so STS calls stay at most roles x workers and near
roles. Not thread-safe: the executor holds its lock around every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Placement:
    """Which workers ran each account's modules, and how busy each worker is (client-side view)."""

    threads: dict[str, int]
    busy: dict[str, int] = field(default_factory=dict)
    homes: dict[str, list[str]] = field(default_factory=dict)

    def take(self, account: str | None) -> str | None:
        if not self.threads:
            return None
        free = {w: n - self.busy.get(w, 0) for w, n in self.threads.items()}
        known = self.homes.get(account or "", []) if account else []
        chosen = next((w for w in known if free.get(w, 0) > 0), None)
        if chosen is None:
            chosen = max(sorted(free), key=lambda w: free[w])
            if account:
                self.homes.setdefault(account, []).append(chosen)
        self.busy[chosen] = self.busy.get(chosen, 0) + 1
        return chosen

    def give_back(self, worker: str | None) -> None:
        if worker is not None and self.busy.get(worker, 0) > 0:
            self.busy[worker] -= 1

    def forget(self, worker: str) -> None:
        self.threads.pop(worker, None)
        self.busy.pop(worker, None)
        for homes in self.homes.values():
            if worker in homes:
                homes.remove(worker)
