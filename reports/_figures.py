"""Drawing: each function turns one section's collected data into a plotly figure.

Where `optuna.visualization` has the plot (learning curves), it draws an in-memory copy of the
trials the collector sampled; the other plots are ours (Optuna's history and parallel coordinates
draw complete trials only, and a pruned study's trials count at the fidelity each reached).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from marsseg_models import CLASS_COLORS, CLASS_NAMES

from reports._ablation import Effect
from reports._collect import CompareSeries, Curves, History, ParallelCoords, Timeline
from reports._importance import EpochAgreement, Importance
from reports._predictions import Predictions
from reports._trials import TrialTable, sampled_study

STATE_COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#d62728", "FAIL": "#7f7f7f", "RUNNING": "#2ca02c",
                "WAITING": "#bcbd22"}
MASK_COLORS = CLASS_COLORS  # background, soil, bedrock, sand, big rock
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 50}}


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def importance_figure(results: list[Importance]) -> Any:
    """Horizontal bars, one panel per method, params in the same order (by PED-ANOVA)."""
    # Ours: Optuna's plot_param_importances draws one evaluator per figure and computes it again.
    from plotly.subplots import make_subplots

    go = _go()
    order = sorted({p for r in results for p in r.importances},
                   key=lambda p: tuple(-r.importances.get(p, 0.0) for r in results))
    fig = make_subplots(rows=1, cols=len(results), shared_yaxes=True,
                        subplot_titles=[f"{r.method} (n={r.n_trials})" for r in results])
    for col, r in enumerate(results, start=1):
        fig.add_trace(go.Bar(x=[r.importances.get(p, 0.0) for p in order][::-1], y=order[::-1],
                             orientation="h", name=r.method, showlegend=False), row=1, col=col)
        fig.update_xaxes(title_text="importance (normalized)", row=1, col=col)
    fig.update_layout(height=max(300, 28 * len(order) + 120), **_LAYOUT)
    return fig


def effects_figure(effects: list[Effect]) -> Any:
    """Forest plot of the effects that have a CI."""
    go = _go()
    shown = [e for e in effects if e.ci is not None]
    labels = [f"{e.toggle}: {e.with_value} vs {e.without_value}" for e in shown]
    fig = go.Figure(go.Scatter(
        x=[e.diff for e in shown], y=labels, mode="markers",
        error_x={"type": "data", "symmetric": False, "array": [e.ci[1] - e.diff for e in shown],
                 "arrayminus": [e.diff - e.ci[0] for e in shown]},
        text=[f"n with={e.n_with}, n without={e.n_without}" for e in shown], hoverinfo="x+y+text"))
    fig.add_vline(x=0, line_dash="dot", line_color="#888")
    fig.update_layout(height=max(260, 30 * len(shown) + 100), xaxis_title="difference in val mIoU (with - without)",
                      yaxis={"autorange": "reversed"}, **_LAYOUT)
    return fig


def _optuna_plot(plot: Callable[..., Any], table: TrialTable, numbers: Sequence[int], *, params: bool,
                 curves: bool, **kwargs: Any) -> Any:
    """Optuna's `plot` of an in-memory copy of the trials `numbers` (a collector's sample)."""
    wanted = {int(n) for n in numbers}
    trials = [t for t in table.trials if t.number in wanted]
    fig = plot(sampled_study(trials, table.direction, params=params, curves=curves), **kwargs)
    fig.update_layout(title=None, **_LAYOUT)
    return fig


def agreement_figure(a: EpochAgreement) -> Any:
    """Spearman's rho of each epoch's ranking with the end, with its interval: all complete trials,
    then each family with enough of them."""
    go = _go()
    fig = go.Figure()
    groups = [(f"all ({max(r.n for r in a.overall)} trials)", a.overall)]
    groups += [(f"{family} ({max(r.n for r in rows)})", rows) for family, rows in a.by_family.items()]
    for name, rows in groups:
        shown = [r for r in rows if r.spearman_ci is not None]
        fig.add_trace(go.Scatter(
            x=[r.epoch + 1 for r in shown], y=[r.spearman for r in shown], mode="lines+markers", name=name,
            error_y={"type": "data", "symmetric": False, "array": [r.spearman_ci[1] - r.spearman for r in shown],
                     "arrayminus": [r.spearman - r.spearman_ci[0] for r in shown]},
            text=[f"{r.n} trials" for r in shown], hoverinfo="x+y+text+name"))
    fig.add_hline(y=0, line_dash="dot", line_color="#888")
    fig.update_layout(height=380, xaxis_title="epoch", yaxis_title="Spearman with the end", yaxis_range=[-1.05, 1.05],
                      **_LAYOUT)
    return fig


def history_figure(h: History) -> Any:
    """Each trial's best val mIoU by trial number, pruned ones marked, and the exact best-so-far line."""
    go = _go()
    fig = go.Figure()
    for state, symbol in (("COMPLETE", "circle"), ("PRUNED", "x")):
        idx = np.flatnonzero(h.states == state)
        if len(idx):
            fig.add_trace(go.Scatter(
                x=h.numbers[idx], y=h.values[idx], mode="markers", name=f"{state.lower()} trial",
                marker={"symbol": symbol, "color": STATE_COLORS[state], "size": 7},
                hovertemplate=f"trial %{{x}} ({state.lower()}): %{{y:.4f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=np.r_[h.best_numbers, h.numbers[-1:]], y=np.r_[h.best_so_far, h.best_so_far[-1:]],
                             mode="lines", line_shape="hv", name="best so far", line={"color": "#444"}))
    fig.update_layout(xaxis_title="trial number", yaxis_title="best val mIoU of the trial", height=380, **_LAYOUT)
    return fig


def curves_figure(c: Curves, table: TrialTable) -> Any:
    """Optuna's intermediate values (`val_miou` per epoch), coloured by state, pruned trials marked.

    Optuna draws one trace per trial, in the order of `c.numbers`, all alike: we colour them
    by state (one restyle call for all) and add an x where each pruned trial was stopped.
    """
    from optuna.visualization import plot_intermediate_values

    go = _go()
    fig = _optuna_plot(plot_intermediate_values, table, c.numbers, params=False, curves=True)
    colors = [STATE_COLORS[s] for s in c.states]
    first = {s: c.states.index(s) for s in set(c.states)}
    fig.plotly_restyle({
        "name": [s.lower() for s in c.states], "legendgroup": c.states, "opacity": [0.5] * len(colors),
        "showlegend": [first[s] == i for i, s in enumerate(c.states)],
        "line.color": colors, "line.width": [1] * len(colors), "marker.color": colors,
        "hovertemplate": [f"trial {n}: epoch %{{x}}, %{{y:.4f}}<extra>{s.lower()}</extra>"
                          for n, s in zip(c.numbers, c.states)],
    }, trace_indexes=list(range(len(colors))))
    pruned = [i for i, s in enumerate(c.states) if s == "PRUNED"]
    if pruned:
        fig.add_trace(go.Scatter(x=[c.steps[i][-1] for i in pruned], y=[c.values[i][-1] for i in pruned],
                                 mode="markers", name="pruned here", text=[f"trial {c.numbers[i]}" for i in pruned],
                                 marker={"symbol": "x", "color": STATE_COLORS["PRUNED"]}))
    fig.update_layout(xaxis_title="epoch", yaxis_title="val mIoU", height=400, showlegend=True)
    return fig


def parallel_figure(p: ParallelCoords) -> Any:
    """Parallel coordinates of the sampled trials: state and epochs run first, then every param,
    coloured by each trial's best val mIoU (absent params on an "n/a" tick)."""
    go = _go()
    dims = []
    for name, column, tick in zip(p.names, p.columns, p.ticks):
        dim = {"label": name, "values": column}
        if tick is not None:
            dim.update(tickvals=tick[0], ticktext=tick[1])
        dims.append(dim)
    dims.append({"label": "val mIoU", "values": p.objective})
    fig = go.Figure(go.Parcoords(dimensions=dims, labelangle=-30, labelside="top", line={
        "color": p.objective, "colorscale": "Blues", "showscale": True, "colorbar": {"title": "val mIoU"}}))
    fig.update_layout(height=560, margin={"l": 70, "r": 70, "t": 130, "b": 40}, template="plotly_white")
    return fig


def timeline_figure(t: Timeline) -> Any:
    """One row per worker, a horizontal bar per trial coloured by state, a mark where a new process
    of the worker took over (`--recycle`)."""
    # Ours: Optuna's plot_timeline gives every trial its own row and does not show workers.
    go = _go()
    fig = go.Figure()
    states = np.asarray(t.states, dtype=object)
    workers = np.asarray(t.workers, dtype=object)
    starts = np.datetime_as_string(np.asarray(t.starts, dtype="datetime64[ms]"), unit="ms")
    ends = np.datetime_as_string(np.asarray(t.ends, dtype="datetime64[ms]"), unit="ms")
    for state, color in STATE_COLORS.items():
        idx = np.flatnonzero(states == state)
        if not len(idx):
            continue
        x = np.full(3 * len(idx), None, dtype=object)
        y = np.full(3 * len(idx), None, dtype=object)
        x[0::3], x[1::3] = starts[idx], ends[idx]
        y[0::3] = y[1::3] = workers[idx]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=state.lower(),
                                 line={"color": color, "width": 10}))
    if t.restarts:
        at = np.datetime_as_string(np.asarray([r[1] for r in t.restarts], dtype="datetime64[ms]"), unit="ms")
        fig.add_trace(go.Scatter(x=at, y=[r[0] for r in t.restarts], mode="markers", name="new process",
                                 marker={"symbol": "line-ns-open", "size": 22, "color": "#000"}))
    fig.update_layout(xaxis={"title": "time", "type": "date"}, yaxis={"type": "category"},
                      height=max(280, 40 * len(set(t.workers)) + 160), **_LAYOUT)
    return fig


def gallery_figure(p: Predictions) -> Any:
    """Rows of image | truth | prediction for the gallery images."""
    from plotly.subplots import make_subplots

    go = _go()
    k = len(p.images)
    fig = make_subplots(rows=k, cols=3, horizontal_spacing=0.02, vertical_spacing=0.03,
                        column_titles=["image", "truth", "prediction"])
    scale = [[i / 4, MASK_COLORS[i]] for i in range(5)]
    for r in range(k):
        fig.add_trace(go.Heatmap(z=p.images[r][::-1], colorscale="Gray", showscale=False), row=r + 1, col=1)
        for c, arr in ((2, p.masks[r]), (3, p.preds[r])):
            fig.add_trace(go.Heatmap(z=arr[::-1], zmin=0, zmax=4, colorscale=scale, showscale=False,
                                     customdata=np.array(CLASS_NAMES, dtype=object)[arr[::-1]],
                                     hovertemplate="%{customdata}<extra></extra>"), row=r + 1, col=c)
    fig.update_xaxes(visible=False, constrain="domain")
    for i in range(1, 3 * k + 1):
        fig.layout[f"yaxis{'' if i == 1 else i}"].update(visible=False, scaleanchor=f"x{'' if i == 1 else i}",
                                                          scaleratio=1, constrain="domain")
    fig.update_layout(height=150 * k + 60, **_LAYOUT)
    return fig


def confusion_figure(cm: np.ndarray) -> Any:
    """Row-normalized confusion matrix with counts on hover."""
    go = _go()
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    names = list(CLASS_NAMES)
    fig = go.Figure(go.Heatmap(z=share, x=names, y=names, colorscale="Blues", zmin=0, zmax=1,
                               text=np.round(share, 2), texttemplate="%{text}", customdata=cm,
                               hovertemplate="truth %{y}, predicted %{x}: %{customdata} px<extra></extra>"))
    fig.update_layout(xaxis_title="predicted", yaxis={"title": "truth", "autorange": "reversed"},
                      height=420, width=520, **_LAYOUT)
    return fig


def compare_figure(series: list[CompareSeries]) -> Any:
    """Best-so-far val mIoU against cumulative epochs, one line per study."""
    # Ours: Optuna's history of several studies is against trial number, not epochs consumed.
    go = _go()
    fig = go.Figure()
    for s in series:
        fig.add_trace(go.Scatter(x=s.epochs, y=s.best_so_far, mode="lines", line_shape="hv",
                                 name=f"{s.study_name} ({s.sampler}, {s.pruner})"))
    fig.update_layout(xaxis_title="epochs consumed", yaxis_title="best val mIoU so far", height=400, **_LAYOUT)
    return fig
