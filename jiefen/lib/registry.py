"""A function a lower layer calls and an upper app provides when it loads.

The layers (pyproject's import-linter contract) forbid a lower app to import a higher one. Where
the lower one must still reach up — a deadline that falls on the next meeting of a body, the
rollups fed by every event — it declares a `Slot`, and the upper app fills it in its
`AppConfig.ready()`. Calling a slot nobody filled raises `NotRegistered` naming the app that
should have: a missing registration is a loud failure, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class NotRegistered(LookupError):
    """A slot was called before its provider registered a function for it."""


class Slot(Generic[P, R]):
    def __init__(self, name: str, *, provider: str) -> None:
        self.name = name
        self.provider = provider
        self._function: Callable[P, R] | None = None

    def register(self, function: Callable[P, R]) -> Callable[P, R]:
        self._function = function
        return function

    @property
    def registered(self) -> bool:
        return self._function is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._function is None:
            raise NotRegistered(
                f"{self.name}: nothing registered; {self.provider} registers it in its "
                "AppConfig.ready() (is the app in INSTALLED_APPS?)"
            )
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Slot {self.name} from {self.provider}>"
