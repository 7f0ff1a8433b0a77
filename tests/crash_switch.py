"""The crash switch of the crash tests (docs/reliability.md), injected from the tests: no
production code knows of it.

`install(n)` makes this process end (os._exit, status 137, as a power cut would stop it)
right after its n-th write: each create, update, delete and flush on a calendar, each commit
of the state (the one before removals and the last one). It replaces, in this process,
`backends.open_backend` and `state.State`, which the application looks up at each run.
"""

from __future__ import annotations

import os
from typing import Any

from relance_cal import backends, state

CRASH_AFTER_WRITES = "RELANCE_CAL_CRASH_AFTER_WRITES"  # the variable the crash tests set
CRASHED = 137  # what a shell reports for a killed process
CALENDAR_WRITES = ("create", "update", "delete", "flush")


def install(after: int) -> None:
    left = [after]

    def wrote() -> None:
        left[0] -= 1
        if left[0] == 0:
            os._exit(CRASHED)

    def counted(method: Any) -> Any:
        def call(*args: Any) -> Any:
            result = method(*args)
            wrote()
            return result

        return call

    opened = backends.open_backend

    def open_backend(*args: Any, **kwargs: Any) -> Any:
        backend = opened(*args, **kwargs)
        if backend.writable:
            for name in CALENDAR_WRITES:  # `write` calls them through the instance
                setattr(backend, name, counted(getattr(backend, name)))
        return backend

    class CountedState(state.State):
        def commit(self) -> None:
            super().commit()
            wrote()

        def __exit__(self, exc_type: object, *rest: object) -> None:
            super().__exit__(exc_type, *rest)
            if exc_type is None and not self.read_only:
                wrote()

    backends.open_backend = open_backend  # type: ignore[assignment]
    state.State = CountedState  # type: ignore[misc]
