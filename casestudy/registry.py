"""Name registries: the one way methods, filters and networks are looked up by name.

A :class:`Registry` is a dict from name to entry (so ``MODELS["rednet"]`` and
``list(FILTERS)`` work as before) that refuses a second entry under the same name
and answers an unknown name with an error listing the known ones: the registry
pattern of KAIR and NAFNet instead of a long if/elif chain.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(dict, Generic[T]):  # type: ignore[type-arg]
    """Entries by name, in registration order.

    Args:
        noun: what an entry is, for messages ("model", "filter", "method").
        error: the exception an unknown name raises (a ``ValueError`` subclass by convention).
    """

    def __init__(self, noun: str, error: type[Exception] = ValueError):
        super().__init__()
        self.noun = noun
        self.error = error

    def register(self, name: str, entry: T, replace: bool = False) -> T:
        """Add ``entry`` under ``name``; a taken name raises ``ValueError`` unless ``replace``."""
        if name in self and not replace:
            raise ValueError(f"a {self.noun} named {name!r} is already registered")
        self[name] = entry
        return entry

    def lookup(self, name: str) -> T:
        """The entry called ``name``; an unknown name raises :attr:`error` listing the known ones."""
        try:
            return self[name]
        except KeyError:
            raise self.error(f"unknown {self.noun} {name!r}; known {self.noun}s: {', '.join(self)}") from None
