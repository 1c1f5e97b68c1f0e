"""The one exception type for errors a user can cause (bad file, bad flag, bad URL)."""

from __future__ import annotations


class MarssegError(Exception):
    """A user-caused error: the CLI prints its message on one line and exits non-zero."""
