"""HTML body of each report section, from its collected data."""

from __future__ import annotations

from typing import Any

from marsseg_models import CLASS_NAMES

from reports import _figures as figs
from reports._ablation import Effect
from reports._collect import (STUDY_ATTRS, CompareSeries, Curves, HeldoutRow, History, ParallelCoords, Summary,
                              Timeline, VariantRow)
from reports._config import ReportConfig
from reports._controlled import OBSERVATIONAL_HEADING, controlled_html
from reports._html import empty, esc, figure_div, note, table
from reports._importance import Importance
from reports._predictions import Predictions
from reports._tables import HEADER, fmt, table_rows
from reports._trials import SCORED_NAMES, TrialTable

NO_COMPLETE = "No complete trial yet: this section needs at least one COMPLETE trial."


def summary_html(s: Summary) -> str:
    """Study settings, trial counts, compute used and what pruning saved."""
    settings = [("study", s.study_name), ("storage", s.storage), *((k, s.attrs.get(k, "-")) for k in STUDY_ATTRS)]
    counts = [(k.lower(), v) for k, v in s.counts.items()]
    saved = "unknown (study has no max_epochs)" if s.epochs_saved_by_pruning is None else s.epochs_saved_by_pruning
    compute = [("train time (all trials)", f"{s.train_seconds / 3600:.2f} h ({s.train_seconds:.0f} s)"),
               ("epochs run", s.epochs_run),
               ("epochs saved by pruning", saved),
               ("epochs saved by early stopping",
                "-" if s.epochs_saved_by_early_stopping is None else s.epochs_saved_by_early_stopping)]
    best = (empty("No complete trial yet: there is no best value, comparison, importance or ablation to show.")
            if s.best_value is None else
            f"<p>Best val mIoU <b>{s.best_value:.4f}</b> (trial {s.best_number}): "
            f"<code>{esc(s.best_params)}</code></p>")
    return (best + '<div class="row">' + "".join(
        f"<div>{table(('', ''), rows)}</div>" for rows in (settings, counts, compute)) + "</div>"
        + (table(("why trials failed", "trials"), list(s.fail_reasons.items())[:10]) if s.fail_reasons else "")
        + note("Epochs saved by pruning: max_epochs minus the epochs each pruned trial ran, summed; "
               "early stopping: the same over complete trials."))


def comparison_html(rows: list[VariantRow], exports: list[str]) -> str:
    """The course-report style table (complete trials only)."""
    if not rows:
        return empty(NO_COMPLETE)
    return (table(HEADER, table_rows(rows), cls="comparison")
            + note("One row per architecture variant (family + residual, SE, bottleneck, attention gates) over "
                   "its complete trials; per-class IoU, params and epochs are those of the variant's best trial. "
                   "Val mIoU is what the search optimised (the split that drove early stopping, pruning and "
                   "selection); held-out mIoU is the best trial scored on images the search never saw: believe "
                   "that one. The last column is the test mIoU the course report (Table 1) published for the same "
                   "architecture, on the course data: compare it with the held-out column only.")
            + (note("Also written as: " + ", ".join(exports)) if exports else ""))


def heldout_html(rows: list[HeldoutRow]) -> str:
    """The trials scored on the held-out split, pruned ones included, in the order they were chosen."""
    if not rows:
        return ""
    cells = [(r.number, r.state, r.variant, "" if r.epochs is None else r.epochs, fmt(r.val), fmt(r.heldout),
              *(fmt(r.per_class.get(c), 3) for c in SCORED_NAMES)) for r in rows]
    return ("<h3>Held-out scores of the top trials</h3>"
            + table(("trial", "state", "architecture", "epochs", "val mIoU", "held-out mIoU",
                     *(f"held-out {c}" for c in SCORED_NAMES)), cells)
            + note("The trials marsseg evaluate scored, best val mIoU first. A pruned trial is scored with the "
                   "weights of its best reported epoch (its val mIoU here), kept when it was pruned."))


def importance_html(results: list[Importance]) -> str:
    """PED-ANOVA and fANOVA side by side."""
    if not any(r.importances for r in results):
        return empty("Importances need at least 10 complete trials. " + "; ".join(
            f"{r.method}: {r.note}" for r in results))
    return figure_div(figs.importance_figure(results), "importance") + "".join(
        note(f"{r.method}: {r.note}") for r in results)


def effects_html(effects: list[Effect], config: ReportConfig) -> str:
    """Forest plot of the estimable effects and a table of all, with n."""
    if not effects:
        return empty("No ablation effect to show: effects need complete trials of a space with toggle parameters.")
    rows = [(e.toggle, e.param, f"{e.with_value} vs {e.without_value}", e.n_with, e.n_without,
             f"{e.mean_with:.4f}" if e.n_with else "", f"{e.mean_without:.4f}" if e.n_without else "",
             f"{e.diff:+.4f}" if e.diff == e.diff else "",
             f"[{e.ci[0]:+.4f}, {e.ci[1]:+.4f}]" if e.ci else "too few trials" if e.n_with + e.n_without else "-",
             e.note) for e in effects]
    fig = figure_div(figs.effects_figure(effects), "effects") if any(e.ci for e in effects) else ""
    return fig + table(("toggle", "param", "levels", "n with", "n without", "mean with", "mean without",
                        "difference", "95% CI", "verdict"), rows) + note(
        f"Difference of mean val mIoU over complete trials, with versus without; 95% percentile bootstrap CI "
        f"({config.n_bootstrap} resamples, seed {config.seed}). Marginal over the other parameters, so "
        "correlated choices of the sampler can bias it; pruned trials are left out.")


def dynamics_html(h: History, c: Curves, p: ParallelCoords, t: Timeline, trials: TrialTable) -> str:
    """History, learning curves, parallel coordinates (drawn from `trials`) and the worker timeline."""
    parts = ["<h3>Optimization history</h3>"]
    if h.n_total:
        parts += [figure_div(figs.history_figure(h, trials), "history"),
                  _sampled(len(h.values), h.n_total, "complete trials drawn as points; the best-so-far line is exact")]
    else:
        parts.append(empty(NO_COMPLETE))
    parts.append("<h3>Learning curves</h3>")
    if c.n_total:
        parts += [figure_div(figs.curves_figure(c, trials), "curves"),
                  _sampled(len(c.numbers), c.n_total, "finished trials' curves drawn (the best tenth of the "
                           "limit always, the rest a seeded random sample)")]
    else:
        parts.append(empty("No trial reported val_miou yet."))
    parts.append("<h3>Parallel coordinates</h3>")
    if p.n_total and p.names:
        parts += [figure_div(figs.parallel_figure(p, trials), "parallel"),
                  _sampled(len(p.objective), p.n_total, "complete trials drawn"),
                  note("Conditional parameters a trial did not use show as None.")]
    else:
        parts.append(empty(NO_COMPLETE))
    parts.append("<h3>Trial timeline per worker</h3>")
    parts.append(figure_div(figs.timeline_figure(t), "timeline") if len(t.numbers) else empty("No trial started."))
    return "".join(parts)


def _sampled(shown: int, total: int, what: str) -> str:
    return note(f"{shown} of {total} {what}." if shown < total else f"All {total} shown.")


def predictions_html(p: Predictions) -> str:
    """Gallery of validation images and the confusion matrix of the chosen trial."""
    if p.trial_number is None:
        return empty(NO_COMPLETE)
    parts = [f"<p>Trial {p.trial_number} (val mIoU {p.value:.4f}).</p>"]
    if p.images is not None:
        parts.append(figure_div(figs.gallery_figure(p), "gallery"))
        parts.append('<p class="note">' + " ".join(
            f'<span style="display:inline-block;width:12px;height:12px;background:{color}"></span> {esc(name)}'
            for name, color in zip(CLASS_NAMES, figs.MASK_COLORS)) + "</p>")
    if p.note:
        parts.append(empty(p.note) if p.images is None else note(p.note))
    if p.confusion is not None:
        parts += ["<h3>Confusion matrix (validation, row-normalized)</h3>",
                  figure_div(figs.confusion_figure(p.confusion), "confusion")]
    else:
        parts.append(empty("This trial has no confusion_matrix attribute."))
    return "".join(parts)


def compare_html(series: list[CompareSeries]) -> str:
    """Studies side by side: best so far against epochs consumed."""
    rows = [(s.study_name, s.sampler, s.pruner, s.n_trials, s.epochs_total,
             "-" if s.best is None else f"{s.best:.4f}") for s in series]
    return figure_div(figs.compare_figure(series), "compare") + table(
        ("study", "sampler", "pruner", "finished trials", "epochs consumed", "best val mIoU"), rows) + note(
        "Finished trials in completion order; pruned trials' epochs count as consumed.")


def render_sections(data: Any) -> list[tuple[str, str, str]]:
    """(anchor, title, body) of every section of `ReportData`."""
    out = [("summary", "Summary", summary_html(data.summary)),
           ("comparison", "Comparison table", comparison_html(data.comparison, data.exports) + heldout_html(data.heldout)),
           ("importance", "Parameter importance", importance_html(data.importances)),
           ("ablation", "Ablation effects", controlled_html(data.controlled, data.summary.study_name)
            + OBSERVATIONAL_HEADING + effects_html(data.effects, data.config)),
           ("dynamics", "Search dynamics",
            dynamics_html(data.history, data.curves, data.parallel, data.timeline, data.trials)),
           ("predictions", "Predictions", predictions_html(data.predictions))]
    if len(data.compare) > 1:
        out.append(("compare", "Studies compared", compare_html(data.compare)))
    return out
