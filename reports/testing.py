"""A realistic fake study for tests and benchmarks (as `optuna.testing` does for Optuna).

`make_fake_study` builds trials with `optuna.trial.create_trial` that follow the
user-attribute contract of ARCHITECTURE.md: dotted params, per-epoch `val_miou`
intermediate values, `per_class_iou`, `epochs_run`, `best_epoch`, `train_seconds`,
`n_params`, `worker` and `worker_name`, `configs`, `confusion_matrix` and artifact ids, plus the
study attributes (sampler and pruner named as `studies` names them: "tpe", "sha").
Values follow a known additive model (see `TRUE_EFFECTS`) so tests can check that the
report recovers it.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
from harness.common import attrs
from search_spaces import param_section

from reports._browser import BrowserCheck, check_in_browser, find_chromium
from reports._table1 import ARCH_PARAMS
from reports._trials import SCORED_NAMES

__all__ = ["TRUE_EFFECTS", "BrowserCheck", "check_in_browser", "fake_predictions", "find_chromium",
           "make_fake_study"]

FAMILY_BASE = {"unet": 0.60, "unet_pp": 0.61, "double_unet": 0.62, "double_unet_parallel": 0.625}
TRUE_EFFECTS = {
    "model.residual": 0.03,
    "model.se_levels": 0.02,
    "model.bottleneck": 0.01,
    "model.attention_gates": 0.0,
    "aug.geometric": 0.01,
    "data.oversample": 0.008,
}
_START = dt.datetime(2026, 1, 1, 12, 0, 0)


def _distributions() -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution as C
    from optuna.distributions import FloatDistribution as F
    from optuna.distributions import IntDistribution as I

    return {
        "model.family": C(tuple(FAMILY_BASE)),
        "model.residual": C((False, True)),
        "model.se_levels": I(0, 2),
        "model.bottleneck": C(("plain", "dilated", "aspp", "pp")),
        "model.attention_gates": C((False, True)),
        "model.dropout": C(("none", "bottleneck", "deep", "all")),
        "model.dropout_rate": F(0.1, 0.5, step=0.1),
        "model.deep_supervision": C((False, True)),
        "model.base_filters": C((16, 32)),
        "loss.class_weighting": C(("none", "inverse_freq", "inverse_freq_capped")),
        "aug.geometric": C((False, True)),
        "aug.photometric": C((False, True)),
        "data.oversample": C((False, True)),
        "train.lr": F(1e-4, 1e-2, log=True),
    }


def _sample_params(rng: np.random.Generator) -> dict[str, Any]:
    family = str(rng.choice(list(FAMILY_BASE)))
    params: dict[str, Any] = {
        "model.family": family,
        "model.residual": bool(rng.random() < 0.5),
        "model.se_levels": int(rng.integers(0, 3)),
        "model.bottleneck": str(rng.choice(["plain", "dilated", "aspp", "pp"])),
        "model.attention_gates": bool(rng.random() < 0.5),
    }
    params["model.dropout"] = str(rng.choice(["none", "bottleneck", "deep", "all"]))
    if params["model.dropout"] != "none":
        params["model.dropout_rate"] = round(float(rng.uniform(0.1, 0.5)), 1)
    if family != "unet":
        params["model.deep_supervision"] = bool(rng.random() < 0.5)
    params["model.base_filters"] = int(rng.choice([16, 32]))
    params["loss.class_weighting"] = str(rng.choice(["none", "inverse_freq", "inverse_freq_capped"]))
    params["aug.geometric"] = bool(rng.random() < 0.5)
    params["aug.photometric"] = bool(rng.random() < 0.5)
    params["data.oversample"] = bool(rng.random() < 0.5)
    params["train.lr"] = float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-2))))
    return params


def _table1_architectures() -> list[dict[str, Any]]:
    from search_spaces import TABLE1_PRESETS

    return [{k: p[k] for k in ARCH_PARAMS} for _, p in TABLE1_PRESETS]


def _final_miou(params: dict[str, Any], rng: np.random.Generator) -> float:
    v = FAMILY_BASE[params["model.family"]]
    v += TRUE_EFFECTS["model.residual"] * params["model.residual"]
    v += TRUE_EFFECTS["model.se_levels"] * (params["model.se_levels"] > 0)
    v += TRUE_EFFECTS["model.bottleneck"] * (params["model.bottleneck"] == "aspp")
    v += TRUE_EFFECTS["aug.geometric"] * params["aug.geometric"]
    v += TRUE_EFFECTS["data.oversample"] * params["data.oversample"]
    v -= 0.02 * abs(np.log10(params["train.lr"]) + 3.0)
    return float(np.clip(v + rng.normal(0.0, 0.01), 0.05, 0.95))


def _curve(final: float, n_epochs: int, rng: np.random.Generator) -> np.ndarray:
    e = np.arange(n_epochs)
    return np.clip(final * (1 - 0.7 * np.exp(-(e + 1) / 4.0)) + rng.normal(0, 0.004, n_epochs), 0, 1)


def _confusion(value: float, rng: np.random.Generator) -> list[list[int]]:
    counts = rng.integers(20_000, 60_000, 5)
    counts[4] = counts[4] // 40
    cm = np.zeros((5, 5), dtype=np.int64)
    for i, n in enumerate(counts):
        hit = int(n * value)
        cm[i] = rng.multinomial(n - hit, np.full(5, 0.2))
        cm[i, i] += hit
    return cm.tolist()


STEPS_PER_EPOCH, BATCH_SIZE = 50, 16  # the fake trials' train config: 800 images an epoch


def fake_configs(params: dict[str, Any], max_epochs: int) -> dict[str, dict[str, Any]]:
    """A `configs` attribute for `params`: each param in its section, plus fixed train settings."""
    out: dict[str, dict[str, Any]] = {"model": {"depth": 4}, "loss": {}, "data": {},
                                      "train": {"batch_size": BATCH_SIZE, "steps_per_epoch": STEPS_PER_EPOCH,
                                                "max_epochs": max_epochs}}
    for name, value in params.items():
        section, field = param_section(name)
        out[section][field] = value
    return out


def _user_attrs(params: dict[str, Any], curve: np.ndarray, seconds: float, worker: tuple[str, str],
                rng: np.random.Generator, complete: bool) -> dict[str, Any]:
    best = int(np.argmax(curve)) if len(curve) else 0
    top = float(curve[best]) if len(curve) else 0.0
    offsets = np.array([0.08, 0.05, -0.02, -0.11]) + rng.normal(0, 0.01, 4)
    n_params = (1_900_000 if "double" in params["model.family"] else 1_000_000) * params["model.base_filters"] // 16
    out: dict[str, Any] = {
        attrs.PER_CLASS_IOU: {c: float(np.clip(top + o, 0, 1)) for c, o in zip(SCORED_NAMES, offsets)},
        attrs.EPOCHS_RUN: int(len(curve)),
        attrs.BEST_EPOCH: best,
        attrs.TRAIN_SECONDS: float(seconds),
        attrs.N_PARAMS: int(n_params + 1000 * params["model.se_levels"]),
        attrs.WORKER: worker[0],
        attrs.WORKER_NAME: worker[1],
    }
    if complete:
        out[attrs.CONFUSION_MATRIX] = _confusion(top, rng)
    return out


def fake_predictions(k: int = 4, shape: tuple[int, int] = (64, 128), seed: int = 0) -> dict[str, np.ndarray]:
    """Arrays of a predictions artifact: smooth fake images, masks 0-4 and noisy preds."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    images, masks, preds = [], [], []
    for _ in range(k):
        f = sum(np.sin(xx / rng.uniform(6, 20) + rng.uniform(0, 6)) * np.cos(yy / rng.uniform(6, 20))
                for _ in range(3))
        img = (f - f.min()) / (np.ptp(f) + 1e-9)
        mask = np.digitize(img, [0.2, 0.45, 0.7, 0.93]).astype(np.uint8)
        pred = mask.copy()
        noise = rng.random((h // 8, w // 8)) < 0.15
        pred[np.kron(noise, np.ones((8, 8), dtype=bool))] = rng.integers(0, 5)
        images.append((img * 255).astype(np.uint8))
        masks.append(mask)
        preds.append(pred)
    return {"images": np.stack(images), "masks": np.stack(masks), "preds": np.stack(preds)}


def _save_artifacts(store: Any, trial_number: int, seed: int) -> dict[str, str]:
    pred_id = f"fake-predictions-{trial_number}"
    buf = io.BytesIO()
    np.savez(buf, **fake_predictions(seed=seed + trial_number))
    buf.seek(0)
    store.write(pred_id, buf)
    weights_id = f"fake-weights-{trial_number}"
    store.write(weights_id, io.BytesIO(b"not real weights"))
    return {attrs.PREDICTIONS_ARTIFACT: pred_id, attrs.WEIGHTS_ARTIFACT: weights_id}


def make_fake_study(
    n_trials: int = 60,
    *,
    study_name: str = "fake",
    storage: Any = None,
    seed: int = 0,
    max_epochs: int = 20,
    prune_fraction: float = 0.3,
    fail_fraction: float = 0.05,
    n_workers: int = 3,
    artifact_dir: str | Path | None = None,
    n_with_artifacts: int = 2,
    running: int = 0,
    sampler: str = "tpe",
    table1_first: bool = True,
    recycle: int = 0,
) -> Any:
    """A study of `n_trials` finished fake trials (+ `running` RUNNING ones) in `storage`.

    Trials are COMPLETE, PRUNED (stopped before `max_epochs`) or FAIL with the given
    fractions; the best `n_with_artifacts` complete trials get predictions and weights
    artifacts written to a filesystem store at `artifact_dir` (when given). With
    `table1_first`, the first seven trials take the architectures of the course report's
    Table 1 (`search_spaces.TABLE1_PRESETS`). Trial i runs on worker `i % n_workers`
    (`worker_name` `host/worker-<w>`); with `recycle`, each worker's process (`worker`
    `host:<pid>`) is replaced every `recycle` of its trials, as `--recycle` does.
    """
    import optuna
    from optuna.trial import TrialState, create_trial

    rng = np.random.default_rng(seed)
    study = optuna.create_study(study_name=study_name, storage=storage, direction="maximize")
    study_attrs = {"space": "fake", "sampler": sampler, "pruner": "sha", "budget": "cpu",
             "max_epochs": max_epochs, "data": "synthetic", "seed": seed,
             "artifact_dir": str(artifact_dir) if artifact_dir else ""}
    for key, value in study_attrs.items():
        study.set_user_attr(key, value)
    dists = _distributions()
    clocks = [_START] * n_workers
    trials = []
    presets = _table1_architectures() if table1_first else []
    for number in range(n_trials + running):
        params = _sample_params(rng)
        if number < len(presets):
            params.update(presets[number])
        w = number % n_workers
        process = 4000 + w + (1000 * (number // n_workers // recycle) if recycle else 0)
        worker = (f"host:{process}", f"host/worker-{w}")
        final = _final_miou(params, rng)
        roll = rng.random()
        state = (TrialState.RUNNING if number >= n_trials else TrialState.FAIL if roll < fail_fraction
                 else TrialState.PRUNED if roll < fail_fraction + prune_fraction else TrialState.COMPLETE)
        n_epochs = {TrialState.COMPLETE: int(rng.integers(max_epochs * 3 // 4, max_epochs + 1)),
                    TrialState.PRUNED: int(rng.integers(1, max(2, max_epochs // 2))),
                    TrialState.FAIL: 0, TrialState.RUNNING: 2}[state]
        if state == TrialState.PRUNED:
            final -= 0.05
        curve = _curve(final, n_epochs, rng)
        seconds = float(n_epochs * rng.uniform(4.0, 8.0) + 2.0)
        start = clocks[w]
        clocks[w] = start + dt.timedelta(seconds=seconds + 1.0)
        done = state in (TrialState.COMPLETE, TrialState.PRUNED)
        user_attrs = (_user_attrs(params, curve, seconds, worker, rng, state == TrialState.COMPLETE)
                      if done else {attrs.WORKER: worker[0], attrs.WORKER_NAME: worker[1]})
        user_attrs[attrs.CONFIGS] = fake_configs(params, max_epochs)
        if state == TrialState.FAIL:
            user_attrs[attrs.FAIL_REASON] = "ResourceExhaustedError: OOM when allocating tensor"
        trial = create_trial(
            state=state,
            value=float(curve.max()) if state == TrialState.COMPLETE else None,
            params=params,
            distributions={k: dists[k] for k in params},
            user_attrs=user_attrs,
            intermediate_values={i: float(v) for i, v in enumerate(curve)},
        )
        trial.datetime_start = start
        trial.datetime_complete = None if state == TrialState.RUNNING else clocks[w]
        trials.append(trial)
    if artifact_dir:
        from harness.common import artifact_store

        Path(artifact_dir).mkdir(parents=True, exist_ok=True)
        store = artifact_store(artifact_dir)
        done = sorted((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: -t.value)
        for t in done[:n_with_artifacts]:
            t.user_attrs.update(_save_artifacts(store, trials.index(t), seed))
    study.add_trials(trials)
    return study
