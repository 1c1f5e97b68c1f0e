"""The comparison table as plain rows, and its CSV, Markdown and LaTeX exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reports._collect import VariantRow
from reports._trials import SCORED_NAMES

REPORTED_HEADER = "reported mIoU (course data; compare with held-out)"
HEADER = ("variant", "complete / pruned", "best val mIoU [95% CI]", "reached after (epochs)", "best trial", "held-out mIoU [95% CI]",
          "final val mIoU of complete (mean ± std)", *(f"IoU {c.replace('_', ' ')}" for c in SCORED_NAMES),
          "params", "epochs run", REPORTED_HEADER)


def fmt(x: float | None, digits: int = 4) -> str:
    """`x` with `digits` decimals; empty for None or NaN."""
    return "" if x is None or x != x else f"{x:.{digits}f}"


def _with_ci(x: float | None, ci: tuple[float, float] | None) -> str:
    """`fmt(x)` and its interval "[lo, hi]" when there is one."""
    from harness.analytics import format_value_ci

    return format_value_ci(x, ci, missing="")


def table_rows(rows: list[VariantRow]) -> list[list[str]]:
    """Formatted cells, one list per variant, in `HEADER` order."""
    out = []
    for r in rows:
        spread = "" if r.mean != r.mean else f"{r.mean:.4f} ± {r.std:.4f}" if r.std == r.std else f"{r.mean:.4f}"
        out.append([r.variant, f"{r.n} / {r.n_pruned}", _with_ci(r.best, r.best_ci), "" if r.best_after is None else str(r.best_after),
                    f"{r.best_number} ({r.best_state})", _with_ci(r.heldout, r.heldout_ci), spread,
                    *(fmt(r.per_class.get(c), 3) for c in SCORED_NAMES),
                    "" if r.n_params is None else f"{r.n_params:,}", "" if r.epochs is None else str(r.epochs),
                    fmt(r.reported, 5)])
    return out


def to_csv(rows: list[VariantRow]) -> str:
    """CSV with raw (unrounded) numbers."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variant", "n", "n_pruned", "best", "best_after_epochs", "best_trial", "best_state", "heldout",
                "mean", "std", *(f"iou_{c}" for c in SCORED_NAMES), "n_params", "epochs",
                "reported_miou_course_data", "reported_row"])
    for r in rows:
        w.writerow([r.variant, r.n, r.n_pruned, r.best, "" if r.best_after is None else r.best_after, r.best_number,
                    r.best_state, "" if r.heldout is None else r.heldout, "" if r.mean != r.mean else r.mean,
                    "" if r.std != r.std else r.std, *(r.per_class.get(c) for c in SCORED_NAMES), r.n_params,
                    r.epochs, "" if r.reported is None else r.reported, r.reported_label or ""])
    return buf.getvalue()


def to_markdown(rows: list[VariantRow]) -> str:
    """GitHub-flavoured Markdown table."""
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(esc(c) for c in cells) + " |" for cells in table_rows(rows)]
    return "\n".join(lines) + "\n"


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in text).replace("±", r"$\pm$")


def to_latex(rows: list[VariantRow]) -> str:
    """A `tabular` (booktabs) table."""
    cols = "l" + "r" * (len(HEADER) - 1)
    lines = [r"\begin{tabular}{" + cols + "}", r"\toprule",
             " & ".join(_latex_escape(h) for h in HEADER) + r" \\", r"\midrule"]
    lines += [" & ".join(_latex_escape(c) for c in cells) + r" \\" for cells in table_rows(rows)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_tables(rows: list[VariantRow], html_path: Path) -> list[Path]:
    """Write `<stem>_table.csv/.md/.tex` beside the HTML; returns the paths."""
    paths = []
    for ext, render in (("csv", to_csv), ("md", to_markdown), ("tex", to_latex)):
        path = html_path.with_name(f"{html_path.stem}_table.{ext}")
        path.write_text(render(rows), encoding="utf-8")
        paths.append(path)
    return paths
