"""Declarative search spaces: every design choice of the course report as a dimension."""

from search_spaces._dimensions import Categorical, Condition, Dimension, FloatRange, IntRange
from search_spaces._keras_tuner import declare_keras_tuner, dimension_values
from search_spaces._named import LR_SCHEDULES, SCHEDULES, SPACES, TABLE1_PRESETS, TIMED_SCHEDULE, get_space, table1_presets
from search_spaces._params import FAMILY_PARAM, PARAM_SECTIONS, param_section, params_with_prefix, unknown_params
from search_spaces._space import SearchSpace

__all__ = [
    "FAMILY_PARAM",
    "PARAM_SECTIONS",
    "param_section",
    "params_with_prefix",
    "unknown_params",
    "LR_SCHEDULES",
    "SCHEDULES",
    "TIMED_SCHEDULE",
    "SPACES",
    "TABLE1_PRESETS",
    "Categorical",
    "Condition",
    "Dimension",
    "FloatRange",
    "IntRange",
    "SearchSpace",
    "declare_keras_tuner",
    "dimension_values",
    "get_space",
    "table1_presets",
]
