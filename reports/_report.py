"""Collect every section of a study's report, and write the self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from reports._ablation import RungEffects, collect_rung_effects
from reports._collect import (CompareSeries, Curves, HeldoutRow, History, ParallelCoords, Timeline, VariantRow,
                              collect_comparison, collect_compare_series, collect_curves, collect_heldout,
                              collect_history, collect_parallel, collect_timeline)
from reports._config import ReportConfig
from reports._controlled import ControlledAblation, collect_controlled
from reports._importance import EpochAgreement, RungImportance, collect_epoch_agreement, collect_importances
from reports._predictions import Predictions, collect_predictions
from reports._rungs import Fidelities, collect_rungs
from reports._summary import Summary, collect_summary
from reports._trials import TrialTable, read_trials


class ReportData(NamedTuple):
    """Everything the page shows, as plain data (what tests assert on)."""

    summary: Summary
    comparison: list[VariantRow]
    heldout: list[HeldoutRow]
    fidelities: Fidelities  # the rungs importances and effects are computed at
    importances: list[RungImportance]
    effects: list[RungEffects]
    history: History
    curves: Curves
    agreement: EpochAgreement  # does an early epoch rank the complete trials as the end does?
    parallel: ParallelCoords
    timeline: Timeline
    predictions: Predictions
    compare: list[CompareSeries]
    config: ReportConfig
    exports: list[str]
    trials: TrialTable  # what Optuna's plots copy the sampled trials from
    controlled: ControlledAblation | None = None


def collect_report(study: Any, *, storage_label: str = "", compare: Sequence[Any] = (),
                   artifact_dir: str | None = None, config: ReportConfig | None = None,
                   ablation: Any = None) -> ReportData:
    """Collect all sections of `study`'s report; `compare` are other studies to put beside it;
    `ablation` is its controlled-ablation study (`marsseg ablate`), if any."""
    config = config or ReportConfig()
    table = read_trials(study)
    series = [collect_compare_series(table)] + [collect_compare_series(read_trials(s), table) for s in compare]
    fidelities = collect_rungs(table, config)
    return ReportData(
        summary=collect_summary(table, storage_label),
        comparison=collect_comparison(table),
        heldout=collect_heldout(table),
        fidelities=fidelities,
        importances=collect_importances(table, fidelities.rungs, config, study),
        effects=collect_rung_effects(table, fidelities.rungs, config),
        history=collect_history(table, config),
        curves=collect_curves(table, config),
        agreement=collect_epoch_agreement(table, config),
        parallel=collect_parallel(table, config),
        timeline=collect_timeline(table),
        predictions=collect_predictions(table, artifact_dir, config.gallery_images),
        compare=series,
        config=config,
        exports=[],
        trials=table,
        controlled=None if ablation is None else collect_controlled(ablation),
    )


def render_report(data: ReportData, extra: Sequence[tuple[str, str, str]] = ()) -> str:
    """The HTML page of collected data, plus `extra` (anchor, title, body) sections."""
    from reports._html import page
    from reports._sections import render_sections

    s = data.summary
    subtitle = " · ".join(f"{k} {v}" for k, v in s.attrs.items() if k in ("space", "sampler", "pruner", "budget"))
    return page(f"marsseg report: {s.study_name}", subtitle, [*render_sections(data), *extra])


def write_report(study_name: str, storage: str, output: str | Path = "report.html", *,
                 compare: Sequence[str] = (), artifact_dir: str | None = None,
                 config: ReportConfig | None = None, benchmark: str | None = None) -> Path:
    """Load the study (and `compare` studies) from `storage`, write the HTML and the table files.

    Returns the HTML path; the comparison table goes beside it as `<stem>_table.csv/.md/.tex`.
    benchmark: a benchmark in `storage` to add as a section (and `<stem>_benchmark.csv`).
    """
    from reports._benchmark import benchmark_section
    from reports._controlled import find_ablation
    from harness.common import load_existing_study, open_existing_storage
    from harness.common import redact_url

    study = load_existing_study(study_name, storage)
    others = [load_existing_study(name, storage) for name in compare if name != study_name]
    extra = [] if benchmark is None else [benchmark_section(benchmark, storage, output)]
    return write_study_report(study, output, storage_label=redact_url(storage), compare=others,
                              artifact_dir=artifact_dir, config=config, extra=extra,
                              ablation=find_ablation(study_name, open_existing_storage(storage)))


def write_study_report(study: Any, output: str | Path, *, storage_label: str = "", compare: Sequence[Any] = (),
                       artifact_dir: str | None = None, config: ReportConfig | None = None,
                       ablation: Any = None, extra: Sequence[tuple[str, str, str]] = ()) -> Path:
    """Write the report of an already loaded study (see `write_report`)."""
    from reports._tables import write_tables

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    data = collect_report(study, storage_label=storage_label, compare=compare, artifact_dir=artifact_dir,
                          config=config, ablation=ablation)
    exports = write_tables(data.comparison, output) if data.comparison else []
    data = data._replace(exports=[p.name for p in exports])
    output.write_text(render_report(data, extra), encoding="utf-8")
    return output
