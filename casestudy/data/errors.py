"""The one error every data-set loader raises for a tree it cannot use.

A separate module so that the loaders (``sidd``, ``renoir``, ``nind``,
``folders``) and the catalogue can all raise it without importing each other.
"""

from __future__ import annotations


class DataLayoutError(ValueError):
    """A data folder that does not follow its layout: the message names the file or folder and the problem.

    A subclass of :class:`ValueError`, so the command line reports it in one line.
    """
