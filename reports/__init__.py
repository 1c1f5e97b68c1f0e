"""The HTML ablation report of a study (`marsseg report`) and its data collection.

`write_report(study_name, storage, output)` writes one self-contained HTML page (plotly.js
embedded once, no outside request) plus the comparison table as CSV, Markdown and LaTeX.
`collect_report(study)` returns the plain data behind every section (what tests check).
Heavy imports (optuna, pandas, plotly) happen inside functions; TensorFlow never.
"""

from reports._ablation import Effect, RungEffects, collect_effects, collect_rung_effects
from reports._benchmark import benchmark_section, collect_benchmark, write_benchmark_report
from reports._collect import (
    CompareSeries,
    Curves,
    HeldoutRow,
    History,
    ParallelCoords,
    Timeline,
    VariantRow,
    best_index,
    collect_comparison,
    collect_compare_series,
    collect_curves,
    collect_heldout,
    collect_history,
    collect_parallel,
    collect_timeline,
    ranked_rows,
    variant_label,
)
from reports._config import ReportConfig
from reports._controlled import ControlledAblation, PairedEffect, collect_controlled, find_ablation
from reports._importance import EpochAgreement, Importance, RungImportance, collect_epoch_agreement, collect_importances, rung_study
from reports._predictions import Predictions, collect_predictions
from reports._report import ReportData, collect_report, render_report, write_report, write_study_report
from reports._rungs import Fidelities, Rung, collect_rungs
from reports._summary import ConfigRow, Summary, TimeSpent, collect_summary
from reports._table1 import PUBLISHED_MIOU, PublishedRow, match_table1, table1_rows
from reports._tables import to_csv, to_latex, to_markdown, write_tables
from reports._trials import TrialTable, read_trials

__all__ = [
    "PUBLISHED_MIOU",
    "CompareSeries",
    "ConfigRow",
    "ControlledAblation",
    "Curves",
    "Effect",
    "Fidelities",
    "HeldoutRow",
    "History",
    "Importance",
    "PairedEffect",
    "ParallelCoords",
    "Predictions",
    "PublishedRow",
    "ReportConfig",
    "ReportData",
    "Rung",
    "RungEffects",
    "RungImportance",
    "Summary",
    "TimeSpent",
    "Timeline",
    "TrialTable",
    "VariantRow",
    "benchmark_section",
    "best_index",
    "collect_benchmark",
    "collect_compare_series",
    "collect_comparison",
    "collect_controlled",
    "collect_curves",
    "collect_effects",
    "collect_heldout",
    "collect_history",
    "collect_importances",
    "collect_epoch_agreement",
    "EpochAgreement",
    "collect_parallel",
    "collect_predictions",
    "collect_report",
    "collect_rung_effects",
    "collect_rungs",
    "collect_summary",
    "collect_timeline",
    "find_ablation",
    "match_table1",
    "ranked_rows",
    "read_trials",
    "render_report",
    "rung_study",
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
