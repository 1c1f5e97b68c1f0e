"""How wide the held-out interval is at --heldout 0.1, 0.15 and 0.2, for one trained model.

One model (the Table 1 U-Net at a budget's width, batch and epochs) trains on the search
split left by the LARGEST fraction, so no held-out image of any size is one it saw. The
held-out split of each smaller fraction is a subset of that one: whole photographs (scene
groups, `harness.data.scene_ids`) in a seeded random order, as many as make the fraction's
share of the images. Each is scored with its 95% percentile bootstrap interval over
photographs (`harness.analytics.score_interval`). A wider held-out costs training images: the
table says how many the search keeps at each fraction.

    python benchmarks/bench_heldout_size.py [--data ../shared/data/ai4mars_hw.npz] [--fractions 0.1,0.15,0.2]
        [--budget cpu] [--epochs 12] [--seed 0]
    python benchmarks/bench_heldout_size.py --data synthetic:200 --budget tiny --epochs 1   # a smoke run
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ai4mars_hw.npz"


class SizeRow(NamedTuple):
    """The interval at one held-out fraction."""

    fraction: float
    n_images: int
    n_photographs: int
    search_images: int  # images left to the search had this fraction been held out
    interval: Any  # harness.analytics.ScoreInterval


def nested_subsets(groups: np.ndarray, shares: Sequence[float], seed: int) -> list[np.ndarray]:
    """Per share in (0, 1]: image indices of whole groups, in one seeded random order of the groups, taking groups
    until at least that share of the images is in; each subset contains the previous ones."""
    units = np.random.default_rng(seed).permutation(np.unique(groups))
    sizes = np.array([np.sum(groups == u) for u in units])
    cumulative = np.cumsum(sizes)
    out = []
    for share in shares:
        k = int(np.searchsorted(cumulative, share * len(groups) - 1e-9)) + 1
        out.append(np.flatnonzero(np.isin(groups, units[:min(k, len(units))])))
    return out


def size_table(image_cms: np.ndarray, groups: np.ndarray, fractions: Sequence[float], n_labelled: int,
               seed: int = 0, n_boot: int = 2000) -> list[SizeRow]:
    """The intervals of nested held-out subsets (see `nested_subsets`) of the largest fraction's held-out images."""
    from harness.analytics import group_confusions, score_interval

    largest = max(fractions)
    rows = []
    for f, rows_f in zip(fractions, nested_subsets(groups, [f / largest for f in fractions], seed)):
        units = group_confusions(image_cms[rows_f], groups[rows_f])
        rows.append(SizeRow(f, len(rows_f), len(units), n_labelled - round(f / largest * len(groups)),
                            score_interval(units, n_boot=n_boot, seed=seed)))
    return rows


def format_rows(rows: Sequence[SizeRow]) -> str:
    """A markdown table of `size_table`."""
    lines = ["| --heldout | held-out images | photographs | images left to the search | mIoU | 95% interval "
             "| half-width | sand half-width | big rock half-width |", "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    def half(s: Any, name: str) -> str:
        ci = s.per_class_ci[name]
        return "-" if ci is None else f"{(ci[1] - ci[0]) / 2:.4f}"

    for r in rows:
        s = r.interval
        lines.append(f"| {r.fraction:g} | {r.n_images} | {r.n_photographs} | {r.search_images} | {s.miou:.4f} "
                     f"| [{s.miou_ci[0]:.4f}, {s.miou_ci[1]:.4f}] | {s.half_width:.4f} | {half(s, 'sand')} "
                     f"| {half(s, 'big_rock')} |")
    return "\n".join(lines)


def train_and_predict(search: Any, heldout: Any, budget_name: str, epochs: int, seed: int) -> np.ndarray:
    """Train the Table 1 U-Net on `search`; the predicted labels of `heldout`'s images."""
    from harness import configs_from_params, get_budget
    from harness._training import train
    from marsseg_models import inference_model, predict_labels
    from search_spaces import table1_presets

    budget = get_budget(budget_name)
    params = {**dict(table1_presets(["U-Net"]))["U-Net"], **dict(budget.fixed_params)}
    configs = configs_from_params(params, budget, seed=seed)
    configs = dataclasses.replace(configs, train=dataclasses.replace(configs.train, max_epochs=epochs))
    start = time.perf_counter()
    result = train(configs, search)
    print(f"trained {len(result.recorder.history)} epochs in {time.perf_counter() - start:.0f} s on "
          f"{search.n_train} search images; best val mIoU {result.recorder.best_value:.4f}", flush=True)
    images = heldout.images[..., None].astype(np.float32) / 255.0
    return predict_labels(inference_model(result.model).predict(images, batch_size=64, verbose=0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the real .npz, or synthetic[:N[:SEED]] (smoke run)")
    parser.add_argument("--fractions", default="0.1,0.15,0.2")
    parser.add_argument("--budget", default="cpu")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args(argv)
    from harness.analytics import image_confusions
    from harness.data import load_data, scene_ids, split_heldout

    if not args.data.startswith("synthetic") and not Path(args.data).exists():
        print(f"{args.data} not found: this benchmark needs the real data (or --data synthetic:N)", file=sys.stderr)
        return 2
    fractions = sorted(float(f) for f in args.fractions.split(","))
    data = load_data(args.data)
    split = split_heldout(data, fractions[-1], args.seed, "scenes")
    held = split.heldout
    print(f"{data.n_train} labelled images; the largest held-out split ({fractions[-1]:g}) holds {held.n_train}; "
          "the model trains on the rest", flush=True)
    labels = train_and_predict(split.search, held, args.budget, args.epochs, args.seed)
    rows = size_table(image_confusions(held.masks, labels), scene_ids(held.images, held.masks), fractions,
                      data.n_train, args.seed, args.resamples)
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
