"""HTML body of each report section, from its collected data."""

from __future__ import annotations

from typing import Any

from marsseg_models import CLASS_NAMES

from reports._ablation import RungEffects
from reports._collect import CompareSeries, Curves, HeldoutRow, History, ParallelCoords, Timeline, VariantRow
from reports._config import ReportConfig
from reports._controlled import OBSERVATIONAL_HEADING, controlled_html
from reports._figures import (MASK_COLORS, agreement_figure, compare_figure, confusion_figure, curves_figure, effects_figure,
                              gallery_figure, history_figure, importance_figure, parallel_figure, timeline_figure)
from reports._html import empty, esc, figure_div, note, table
from reports._importance import AGREEMENT_TRIALS, EpochAgreement, RungImportance
from reports._predictions import Predictions
from reports._rungs import LOW_FIDELITY_NOTE, Fidelities
from reports._summary import BUDGET, SEARCHED, SECTIONS, STUDY_ATTRS, Summary, TimeSpent
from reports._tables import HEADER, table_rows
from reports._trials import SCORED_NAMES, TrialTable

NO_SCORED = "No complete or pruned trial reported a val mIoU yet."


def summary_html(s: Summary) -> str:
    """The best trial and its configuration, study settings, trial counts, compute and time spent."""
    settings = [("study", s.study_name), ("storage", s.storage), *((k, s.attrs.get(k, "-")) for k in STUDY_ATTRS)]
    counts = [(k.lower(), v) for k, v in s.counts.items()]
    saved = "unknown (study has no max_epochs)" if s.epochs_saved_by_pruning is None else s.epochs_saved_by_pruning
    compute = [("train time (all trials)", _hours(s.train_seconds)),
               ("epochs run", s.epochs_run),
               ("epochs saved by pruning", saved),
               ("epochs saved by early stopping",
                "-" if s.epochs_saved_by_early_stopping is None else s.epochs_saved_by_early_stopping)]
    if s.best_value is None:
        best = empty("No complete or pruned trial reported a val mIoU yet: there is no best trial, comparison, "
                     "importance or effect to show.")
    else:
        best = (f"<p>Best val mIoU <b>{s.best_value:.4f}</b> (trial {s.best_number}, {esc(s.best_state)}), the trial "
                "<code>marsseg evaluate</code> and <code>marsseg predict</code> pick first.</p>" + _config_html(s))
    return (best + '<div class="row">' + "".join(
        f"<div>{table(('', ''), rows)}</div>" for rows in (settings, counts, compute)) + "</div>"
        + _time_html(s.time, s.plan)
        + (table(("why trials failed", "trials"), list(s.fail_reasons.items())[:10]) if s.fail_reasons else "")
        + note("Best: the complete or pruned trial with the best val mIoU it reported (a pruned trial's best "
               "epoch, whose weights are kept). Epochs saved by pruning: max_epochs minus the epochs each pruned "
               "trial ran, summed; early stopping: the same over complete trials."))


def _config_html(s: Summary) -> str:
    """The best configuration as trained, one column per section (model / loss / data / train)."""
    cols = []
    for section in SECTIONS:
        rows = [(r.name, _value(r.value) + ("" if r.source == SEARCHED else " *" if r.source == BUDGET else " °"))
                for r in s.best_config if r.section == section]
        if rows:
            cols.append(f"<div><h4>{esc(section)}</h4>{table(('', ''), rows)}</div>")
    if not cols:
        return ""
    return ("<h3>Best configuration, as trained</h3>" + '<div class="row cfg">' + "".join(cols) + "</div>"
            + note("From the trial's configs attribute (what trained; it wins over the params). Unmarked: searched; "
                   "* fixed by the budget; ° fixed by the search space or a default."))


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h ({seconds:,.0f} s)"


def _time_html(t: TimeSpent | None, plan: str = "") -> str:
    if t is None:
        return ""
    rows = ([("time plan (anchor; exploration and continuation, or further ensemble members)", plan)]
            if plan else []) + [("exploring (fit time of every other trial)", _hours(t.exploring)),
            ("training the winner (its fit time)", _hours(t.winner)),
            ("overhead (wall time outside fit)", _hours(t.overhead)),
            (f"wall clock, first start to last end ({t.n_workers} worker{'s' if t.n_workers != 1 else ''})",
             _hours(t.wall))]
    return ("<h3>Time spent</h3>" + table(("", ""), rows)
            + note("Computed from each finished trial's train_seconds (time in Keras fit) and its wall time "
                   "(start to end in the storage): overhead is wall time minus fit time, summed over the trials "
                   "(building the model, loading data, validating, saving weights and previews, the storage). "
                   "Worker time adds up over workers running side by side, so it can exceed the wall clock."))


def comparison_html(rows: list[VariantRow], exports: list[str]) -> str:
    """The course-report style table over complete and pruned trials, in the ranking rule's order."""
    if not rows:
        return empty(NO_SCORED)
    return (table(HEADER, table_rows(rows), cls="comparison")
            + note("One row per architecture variant (family + residual, SE, bottleneck, attention gates) over its "
                   "complete and pruned trials, each counted at the fidelity it reached: a pruned trial by the best "
                   "val mIoU it reported, after the epochs given. Rows and each row's best trial follow the ranking "
                   "of marsseg evaluate and predict. Per-class IoU, params and epochs run are the best trial's; the "
                   "mean ± std is over the complete trials' final values. Val mIoU is what the search optimised "
                   "(the split that drove early stopping, pruning and selection; its brackets, where the best trial "
                   "completed: 95% bootstrap over the val photographs); held-out mIoU is the best trial "
                   "scored on images the search never saw: believe that one. The last column is the test mIoU the "
                   "course report (Table 1) published for the same architecture, on the course data: compare it "
                   "with the held-out column only.")
            + (note("Also written as: " + ", ".join(exports)) if exports else ""))


def heldout_html(rows: list[HeldoutRow]) -> str:
    """The trials scored on the held-out split, pruned ones included, in the order they were chosen."""
    if not rows:
        return ""
    from harness.analytics import format_value_ci

    def with_ci(value: float | None, ci: Any, digits: int) -> str:
        return format_value_ci(value, ci, digits, missing="")

    cells = [(r.number, r.state, r.variant, "" if r.epochs is None else r.epochs, with_ci(r.val, r.val_ci, 4),
              with_ci(r.heldout, (r.interval or {}).get("miou"), 4),
              *(with_ci(r.per_class.get(c), (r.interval or {}).get("per_class_iou", {}).get(c), 3) for c in SCORED_NAMES))
             for r in rows]
    return ("<h3>Held-out scores of the top trials</h3>"
            + table(("trial", "state", "architecture", "epochs", "val mIoU", "held-out mIoU [95% CI]",
                     *(f"held-out {c}" for c in SCORED_NAMES)), cells)
            + note("The trials marsseg evaluate scored, best val mIoU first. A pruned trial is scored with the "
                   "weights of its best reported epoch (its val mIoU here), kept when it was pruned. Brackets: 95% "
                   "percentile bootstrap interval over the held-out photographs (the two bands of a photograph "
                   "drawn together; scores made before intervals were stored show none: `marsseg evaluate --force`); "
                   "beside a complete trial's val mIoU, the same over the val photographs. "
                   "`marsseg compare STUDY:A STUDY:B` gives the paired difference of two trials."))


def _rung_heading(label: str, n: int) -> str:
    return f"<h3>{esc(label[0].upper() + label[1:])}: {n} trials</h3>"


def _no_rung(f: Fidelities) -> str:
    most = (f"; the most trials at one epoch: {f.most[0]} (after {f.most[1]} epochs)" if f.most[0] else "")
    return empty(f"Importances and marginal effects need at least {f.min_trials} trials at one fidelity (an "
                 f"epoch they all reported, or the end of training){most}.")


def importance_html(results: list[RungImportance], f: Fidelities) -> str:
    """PED-ANOVA and fANOVA side by side at each rung, deepest first."""
    if not results:
        return _no_rung(f)
    parts = [note(f"Computed at each fidelity at least {f.min_trials} trials reached, deepest first, on the "
                  "val mIoU every trial reported there. " + LOW_FIDELITY_NOTE)]
    for k, r in enumerate(results):
        parts.append(_rung_heading(r.rung.label, len(r.rung.rows)))
        if any(i.importances for i in r.results):
            parts.append(figure_div(importance_figure(r.results), f"importance-{k}"))
        if r.agreement is not None:
            parts.append(note(_agreement_text(r.agreement)))
        parts += [note(f"{i.method}: {i.note}") for i in r.results]
    return "".join(parts)


def _agreement_text(a: Any) -> str:
    from harness.analytics import format_value_ci

    def cell(v: float, ci: tuple[float, float] | None) -> str:
        return format_value_ci(v, ci, 2, sign=True)

    return (f"Rank agreement with the end, over {a.n} trials that trained beyond this fidelity: Spearman "
            f"{cell(a.spearman, a.spearman_ci)}, Kendall {cell(a.kendall, a.kendall_ci)} (95% bootstrap intervals; "
            "the end is each trial's best val mIoU). Near +1: this fidelity already ranks choices as the end does.")


def effects_html(results: list[RungEffects], f: Fidelities, config: ReportConfig) -> str:
    """At each rung, a forest plot of the estimable effects and a table of all, with n."""
    if not results:
        return _no_rung(f)
    parts = []
    for k, r in enumerate(results):
        parts.append(_rung_heading(r.rung.label, len(r.rung.rows)))
        rows = [(e.toggle, e.param, f"{e.with_value} vs {e.without_value}", e.n_with, e.n_without,
                 f"{e.mean_with:.4f}" if e.n_with else "", f"{e.mean_without:.4f}" if e.n_without else "",
                 f"{e.diff:+.4f}" if e.diff == e.diff else "",
                 f"[{e.ci[0]:+.4f}, {e.ci[1]:+.4f}]" if e.ci else "too few trials" if e.n_with + e.n_without else "-",
                 e.note) for e in r.effects]
        if any(e.ci for e in r.effects):
            parts.append(figure_div(effects_figure(r.effects), f"effects-{k}"))
        parts.append(table(("toggle", "param", "levels", "n with", "n without", "mean with", "mean without",
                            "difference", "95% CI", "verdict"), rows) if rows else empty("No toggle parameter."))
    return "".join(parts) + note(
        f"Difference of mean val mIoU at that fidelity, with versus without; 95% percentile bootstrap CI "
        f"({config.n_bootstrap} resamples, seed {config.seed}). Marginal over the other parameters, so correlated "
        "choices of the sampler can bias it. " + LOW_FIDELITY_NOTE)


def agreement_html(a: EpochAgreement) -> str:
    """Can early epochs be trusted? The rank agreement of each epoch with the end, overall and per family."""
    from harness.analytics import MIN_TRIALS

    if not a.overall:
        return empty(f"Needs at least {MIN_TRIALS} complete trials with curves ({a.n_complete} here): a study run "
                     "with --pruner none, or an ablation, has them.")
    return figure_div(agreement_figure(a), "agreement") + note(
        "Spearman's rho between the complete trials' ranking after each epoch and their final ranking (best val "
        "mIoU), with 95% bootstrap intervals over trials; within each family that has at least "
        f"{MIN_TRIALS} complete trials too. Near +1: a pruner deciding at that epoch keeps what the end would keep; "
        "an interval reaching 0: it ranks noise. Complete trials only (a pruned trial has no end), at most "
        f"{AGREEMENT_TRIALS} per line (a seeded sample).")


def dynamics_html(h: History, c: Curves, p: ParallelCoords, t: Timeline, trials: TrialTable,
                  a: EpochAgreement) -> str:
    """History, learning curves (drawn from `trials`), their rank agreement with the end, parallel
    coordinates and the worker timeline."""
    parts = ["<h3>Optimization history</h3>"]
    if h.n_total:
        parts += [figure_div(history_figure(h), "history"),
                  _sampled(len(h.values), h.n_total, "complete and pruned trials drawn as points (a pruned trial at "
                           "the best val mIoU it reported); the best-so-far line is exact")]
    else:
        parts.append(empty(NO_SCORED))
    parts.append("<h3>Learning curves</h3>")
    if c.n_total:
        parts += [figure_div(curves_figure(c, trials), "curves"),
                  _sampled(len(c.numbers), c.n_total, "finished trials' curves drawn (the best tenth of the "
                           "limit always, the rest a seeded random sample)")]
    else:
        parts.append(empty("No trial reported val_miou yet."))
    parts += ["<h3>Can early epochs be trusted?</h3>", agreement_html(a)]
    parts.append("<h3>Parallel coordinates</h3>")
    if p.n_total and p.names:
        parts += [figure_div(parallel_figure(p), "parallel"),
                  _sampled(len(p.objective), p.n_total, "complete and pruned trials drawn"),
                  note("Coloured by each trial's best val mIoU; the state and epochs-run axes tell a pruned trial "
                       "(scored at the epochs it reached) from a complete one. Conditional parameters a trial did "
                       "not use show as n/a.")]
    else:
        parts.append(empty(NO_SCORED))
    parts.append("<h3>Trial timeline per worker</h3>")
    if len(t.numbers):
        parts += [figure_div(timeline_figure(t), "timeline"),
                  note(f"{len(set(t.workers))} worker(s), {len(set(t.processes))} process(es): a worker that "
                       "recycles its process (--recycle) keeps its row; a black tick marks where a new process "
                       "took over. Studies from before workers were named show one row per process.")]
    else:
        parts.append(empty("No trial started."))
    return "".join(parts)


def _sampled(shown: int, total: int, what: str) -> str:
    return note(f"{shown} of {total} {what}." if shown < total else f"All {total} shown.")


def predictions_html(p: Predictions) -> str:
    """Gallery of validation images and the confusion matrix of the chosen trial."""
    if p.trial_number is None:
        return empty(NO_SCORED)
    parts = [f"<p>Trial {p.trial_number} (val mIoU {p.value:.4f}): by the summary's ranking, the best trial among "
             "those that saved predictions (if any did).</p>"]
    if p.images is not None:
        parts.append(figure_div(gallery_figure(p), "gallery"))
        parts.append('<p class="note">' + " ".join(
            f'<span style="display:inline-block;width:12px;height:12px;background:{color}"></span> {esc(name)}'
            for name, color in zip(CLASS_NAMES, MASK_COLORS)) + "</p>")
    if p.note:
        parts.append(f'<p class="hint">{esc(p.note)}</p>')
    if p.confusion is not None:
        parts += ["<h3>Confusion matrix (validation, row-normalized)</h3>",
                  figure_div(confusion_figure(p.confusion), "confusion")]
    else:
        parts.append(empty("This trial has no confusion_matrix attribute."))
    return "".join(parts)


def compare_html(series: list[CompareSeries]) -> str:
    """Studies side by side: best so far against epochs consumed, and the paired held-out difference."""
    def paired(s: CompareSeries) -> str:
        if s.paired is None:
            return s.paired_note or "-"
        d = s.paired
        return f"{d.diff:+.4f} [{d.ci[0]:+.4f}, {d.ci[1]:+.4f}] ({d.n_units} photographs)"

    base = series[0].study_name
    rows = [(s.study_name, s.sampler, s.pruner, s.n_trials, s.epochs_total,
             "-" if s.best is None else f"{s.best:.4f}", "(this study)" if i == 0 else paired(s))
            for i, s in enumerate(series)]
    return figure_div(compare_figure(series), "compare") + table(
        ("study", "sampler", "pruner", "finished trials", "epochs consumed", "best val mIoU",
         f"held-out mIoU minus {base}'s [95% CI]"), rows) + note(
        "Finished trials in completion order; pruned trials' epochs count as consumed. The last column pairs each "
        "study's best trial with a held-out score against this study's on the same photographs (`marsseg compare`): "
        "a percentile bootstrap that draws the same photographs for both; it needs the same held-out images.")


def render_sections(data: Any) -> list[tuple[str, str, str]]:
    """(anchor, title, body) of every section of `ReportData`."""
    out = [("summary", "Summary", summary_html(data.summary)),
           ("comparison", "Comparison table", comparison_html(data.comparison, data.exports) + heldout_html(data.heldout)),
           ("importance", "Parameter importance", importance_html(data.importances, data.fidelities)),
           ("ablation", "Ablation effects", controlled_html(data.controlled, data.summary.study_name)
            + OBSERVATIONAL_HEADING + effects_html(data.effects, data.fidelities, data.config)),
           ("dynamics", "Search dynamics",
            dynamics_html(data.history, data.curves, data.parallel, data.timeline, data.trials, data.agreement)),
           ("predictions", "Predictions", predictions_html(data.predictions))]
    if len(data.compare) > 1:
        out.append(("compare", "Studies compared", compare_html(data.compare)))
    return out
