"""Area scope, enforced in one place: the data layer.

The scope of the current actor (a prefix of region codes) lives in a context variable that
the middleware sets for each request and that batch jobs set explicitly. Scoped managers
filter every query by it; with no scope set they return nothing (deny by default,
SECURITY.md 27). Code outside a request that must see everything says so with
`system_scope()`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Scope:
    """A prefix of region codes; "" is everything (the system, or a national role)."""

    prefix: str
    label: str = ""


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("area_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


@contextmanager
def using_scope(scope: Scope | None) -> Iterator[None]:
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)


def enter_scope(scope: Scope | None) -> None:
    """Set the scope for the rest of the current request, for an actor known only after the
    middleware ran (an API token). The middleware's `using_scope` restores the previous
    scope when the request ends."""
    _current.set(scope)


@contextmanager
def system_scope(label: str = "system") -> Iterator[None]:
    """Everything, for migrations, batch jobs and the CLI: say it where it is needed."""
    with using_scope(Scope("", label)):
        yield


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """A queryset of rows that carry a `region_code`."""

    def in_scope(self, scope: Scope | None) -> ScopedQuerySet:
        if scope is None:
            return self.none()
        if scope.prefix == "":
            return self
        return self.filter(region_code__startswith=scope.prefix)


class ScopedManager(models.Manager):  # type: ignore[type-arg]
    """The default manager of every place-bound model: only the current scope's rows."""

    def get_queryset(self) -> ScopedQuerySet:
        return ScopedQuerySet(self.model, using=self._db).in_scope(current_scope())
