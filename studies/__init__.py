"""marsseg package."""

__all__: list[str] = []
