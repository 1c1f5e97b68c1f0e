"""Data layer and trial harness of marsseg."""

from harness._errors import MarssegError

__all__ = ["MarssegError"]
