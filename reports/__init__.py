"""The HTML ablation report of a study (`marsseg report`) and its data collection.

`write_report(study_name, storage, output)` writes one self-contained HTML page (plotly.js
embedded once, no outside request) plus the comparison table as CSV, Markdown and LaTeX.
`collect_report(study)` returns the plain data behind every section (what tests check).
Heavy imports (optuna, pandas, plotly) happen inside functions; TensorFlow never.
"""

from reports._ablation import TOGGLES, Effect, Toggle, bootstrap_diff_ci, collect_effects
from reports._benchmark import benchmark_section, collect_benchmark, write_benchmark_report
from reports._collect import (
    CompareSeries,
    Curves,
    HeldoutRow,
    History,
    ParallelCoords,
    Summary,
    Timeline,
    VariantRow,
    collect_comparison,
    collect_compare_series,
    collect_curves,
    collect_heldout,
    collect_history,
    collect_parallel,
    collect_summary,
    collect_timeline,
    variant_label,
)
from reports._config import ReportConfig
from reports._controlled import ControlledAblation, PairedEffect, collect_controlled, find_ablation
from reports._importance import Importance, collect_importances
from reports._predictions import Predictions, collect_predictions
from reports._report import ReportData, collect_report, render_report, write_report, write_study_report
from reports._table1 import PUBLISHED_MIOU, PublishedRow, match_table1, table1_rows
from reports._tables import to_csv, to_latex, to_markdown, write_tables
from reports._trials import TrialTable, read_trials

__all__ = [
    "PUBLISHED_MIOU",
    "TOGGLES",
    "CompareSeries",
    "ControlledAblation",
    "Curves",
    "Effect",
    "HeldoutRow",
    "History",
    "Importance",
    "PairedEffect",
    "ParallelCoords",
    "Predictions",
    "PublishedRow",
    "ReportConfig",
    "ReportData",
    "Summary",
    "Timeline",
    "Toggle",
    "TrialTable",
    "VariantRow",
    "benchmark_section",
    "bootstrap_diff_ci",
    "collect_benchmark",
    "collect_comparison",
    "collect_controlled",
    "collect_compare_series",
    "collect_curves",
    "collect_effects",
    "collect_heldout",
    "collect_history",
    "collect_importances",
    "collect_parallel",
    "collect_predictions",
    "collect_report",
    "collect_summary",
    "collect_timeline",
    "find_ablation",
    "match_table1",
    "read_trials",
    "render_report",
    "table1_rows",
    "to_csv",
    "to_latex",
    "to_markdown",
    "variant_label",
    "write_benchmark_report",
    "write_report",
    "write_study_report",
    "write_tables",
]
