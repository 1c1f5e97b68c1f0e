"""The benchmark section (`marsseg report --benchmark B`): anytime curves, ranks, regret, targets.

Collecting is `harness.load_benchmark` (shared with `marsseg benchmark`'s summary): plain
data. Here it is drawn (one function per figure), rendered as a section, and written as CSV.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from reports._html import figure_div, note, page, table

ANCHOR, TITLE = "benchmark", "Benchmark"
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "height": 420}
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def collect_benchmark(name: str, storage: str) -> Any:
    """The `harness.BenchmarkResult` of benchmark `name` in `storage`."""
    from harness import load_benchmark

    return load_benchmark(name, storage)


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def band_figure(bands: list[Any], title: str, x_title: str, y_title: str) -> Any:
    """Mean line and shaded 95% band per method."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, band in enumerate(bands):
        color = _PALETTE[i % len(_PALETTE)]
        x = list(band.x)
        fig.add_trace(go.Scatter(x=x + x[::-1], y=list(band.high) + list(band.low)[::-1], fill="toself",
                                 fillcolor=_rgba(color, 0.15), line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, legendgroup=band.method))
        fig.add_trace(go.Scatter(x=x, y=list(band.mean), mode="lines", line={"color": color, "shape": "hv"},
                                 name=f"{band.method} (n={band.n_seeds})", legendgroup=band.method))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **_LAYOUT)
    return fig


def rank_figure(result: Any) -> Any:
    """Mean rank (1 = best) of each method against epochs consumed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = list(result.by_epochs[0].x) if result.by_epochs else []
    for i, (method, ranks) in enumerate(result.ranks.items()):
        fig.add_trace(go.Scatter(x=x, y=list(ranks), mode="lines", name=method,
                                 line={"color": _PALETTE[i % len(_PALETTE)], "shape": "hv"}))
    fig.update_layout(title="Mean rank over seeds (1 = best)", xaxis_title="epochs consumed", yaxis_title="rank",
                      **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def final_rows(result: Any) -> list[list[Any]]:
    """One row per method at the last checkpoint: seeds, mean best, rank, regret, epochs to target."""
    rows = []
    for band, regret, target in zip(result.by_epochs, result.regret, result.targets):
        hits = "never" if not target.reached else f"{target.mean_epochs:.1f}"
        rows.append([band.method, band.n_seeds, f"{band.mean[-1]:.4f}", f"± {(band.high[-1] - band.low[-1]) / 2:.4f}",
                     heldout_cell(result, band.method, band.n_seeds),
                     f"{result.ranks[band.method][-1]:.2f}", f"{regret.mean[-1]:.3f}",
                     f"{hits} ({target.reached}/{band.n_seeds})"])
    return rows


def heldout_cell(result: Any, method: str, n_runs: int) -> str:
    """Mean held-out mIoU of the method's runs' best trials with its 95% t-interval over the runs scored
    (each run carves its own held-out split with its seed, so the interval holds seed and split noise)."""
    from harness.analytics import format_interval, t_interval

    scored = np.array([r.heldout for r in result.runs if r.method == method and not math.isnan(r.heldout)])
    if not len(scored):
        return "not scored"
    return f"{scored.mean():.4f} {format_interval(t_interval(scored))} ({len(scored)}/{n_runs})".replace("  ", " ")


def benchmark_html(result: Any, exports: list[str] = ()) -> str:
    """The section body: figures, the final table and how to read them."""
    target = result.targets[0].target if result.targets else math.nan
    figures = [
        band_figure(result.by_epochs, "Best val mIoU against epochs consumed", "epochs consumed", "best val mIoU"),
        band_figure(result.by_seconds, "Best val mIoU against wall time", "seconds", "best val mIoU"),
        rank_figure(result),
        band_figure(result.regret, "Normalized regret", "epochs consumed", "(best - value) / (best - worst)"),
    ]
    divs = "".join(f"<div>{figure_div(f, f'bench-{i}')}</div>" for i, f in enumerate(figures))
    header = ("method", "seeds", "best val mIoU (mean)", "95% half-width", "held-out mIoU of best (mean [95% CI])",
              "mean rank", "regret", f"epochs to {target:.4f}")
    return (f'<div class="row">{divs}</div>' + table(header, final_rows(result))
            + note(f"Benchmark {result.name}: every run is the study {result.name}/METHOD/SEED; the budget is "
                   "training epochs over all trials, pruned ones included. A trial counts with the best val mIoU "
                   "it reported (a pruned trial with its best epoch). Bands: 95% t-interval over seeds. Ranks: "
                   "a run with no value yet ranks last. Regret is normalized between the best value of any run "
                   f"({result.best:.4f}) and the worst trial ({result.worst:.4f}). Target: the lowest final best "
                   "of any run, so every run reaches it. Held-out: the mIoU, on images no run ever saw, of each run's "
                   "best complete trial by val mIoU (the one `marsseg predict` uses), mean over the runs scored, with a "
                   "95% t-interval over those runs (each run's held-out split is carved with its own seed).")
            + (note("Also written as: " + ", ".join(exports)) if exports else ""))


def to_csv(result: Any) -> str:
    """Long-format CSV of every curve, rank, regret and target (`harness.result_rows`)."""
    from harness import result_rows

    rows = result_rows(result)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["series"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def benchmark_section(name: str, storage: str, html_path: str | Path) -> tuple[str, str, str]:
    """(anchor, title, body) of benchmark `name`; writes `<stem>_benchmark.csv` beside the HTML."""
    result = collect_benchmark(name, storage)
    path = Path(html_path)
    csv_path = path.with_name(f"{path.stem}_benchmark.csv")
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(to_csv(result), encoding="utf-8")
    return ANCHOR, f"{TITLE}: {name}", benchmark_html(result, [csv_path.name])


def write_benchmark_report(name: str, storage: str, output: str | Path) -> Path:
    """A page holding only the benchmark section (no `--study` given)."""
    from harness.common import redact_url

    output = Path(output)
    section = benchmark_section(name, storage, output)
    output.write_text(page(f"marsseg benchmark: {name}", redact_url(storage), [section]), encoding="utf-8")
    return output
