"""What a data split keeps together (constants only: studies read them without loading the data layer)."""

MASKS, SCENES = "masks", "scenes"
# SCENES for new studies; MASKS for studies and configs stored before the two bands of a
# photograph were paired (they keep their split). See `harness.data._scenes`.
SPLIT_GROUPS: tuple[str, ...] = (MASKS, SCENES)
