"""`marsseg predict`: a study's best model (or an ensemble of its K best) on the test
images, written as the competition's CSV, optionally a masks `.npz` and PNG overlays.

Trials are ranked by val mIoU, never by the held-out split, so the held-out score of what
is submitted stays honest. With `--top-k K` > 1 the members and their weights are chosen on
the validation split the trials used (greedy ensemble selection with replacement from the
best single trial: `harness.select_ensemble`), so the ensemble's val mIoU is never below its
best member's; `--tta flip` is applied only where it raises that val mIoU; then per-class offsets
of the decision rule are fitted on that split (`harness.fit_class_bias`; `--class-bias none`: the
plain arg-max). Each model is rebuilt from the configs stored on its trial and
loads the trial's best weights from the study's artifact store. `--refit` first trains the
best configuration again on every image its search trained and validated on (never the
held-out images), for its best epoch count, and stores those weights on the study
(`attrs.refit_key`); a later `--refit` of the same trial reuses them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.common import MarssegError, attrs, has_artifact, upload

N_PNG = 4  # overlays written with --png: the first test images
CLASS_BIAS = ("val", "none")  # --class-bias: fitted on the validation split, or the plain arg-max


@dataclass(frozen=True)
class PredictRequest:
    """The flags of `marsseg predict`; `data` None: the study's data; `artifact_dir` None: the study's."""

    study: str
    storage: str
    output: str
    data: str | None = None
    top_k: int = 1
    tta: str = "none"
    refit: bool = False
    foreground_only: bool = False
    class_bias: str = "val"
    masks: str | None = None
    png: str | None = None
    batch_size: int = 64
    artifact_dir: str | None = None

    def __post_init__(self) -> None:
        from harness import TTA
        from harness.common import check_output_path

        if self.top_k < 1:
            raise MarssegError(f"--top-k must be >= 1, got {self.top_k}")
        if self.tta not in TTA:
            raise MarssegError(f"unknown --tta {self.tta!r}; valid: {', '.join(TTA)}")
        if self.class_bias not in CLASS_BIAS:
            raise MarssegError(f"unknown --class-bias {self.class_bias!r}; valid: {', '.join(CLASS_BIAS)}")
        if self.refit and self.top_k > 1:
            raise MarssegError("--refit retrains the best trial only; use it with --top-k 1")
        if self.batch_size < 1:
            raise MarssegError(f"--batch-size must be >= 1, got {self.batch_size}")
        check_output_path(self.output, (".csv",))
        if self.masks is not None:
            check_output_path(self.masks, (".npz",))
        if self.png is not None and not Path(self.png).is_dir():
            raise MarssegError(f"--png folder {self.png} does not exist")


@dataclass(frozen=True)
class Member:
    """One model of the prediction: where its weights are and which configs rebuild it."""

    label: str  # "trial 3" or "refit of trial 3"
    configs: dict[str, Any]
    artifact_id: str


def choose_trials(study: Any, top_k: int) -> list[Any]:
    """The `top_k` best trials by val mIoU (`pick_trials`: complete, and pruned ones that kept their
    best weights) among those with stored configs and weights (fewer, said on stderr, when fewer
    have them); a MarssegError when none has."""
    from studies._evaluate import pick_trials

    done = pick_trials(study, None)
    if not done:
        raise MarssegError(f"study {study.study_name!r} has no complete trial and no pruned trial with weights")
    ready = [t for t in done if attrs.CONFIGS in t.user_attrs and attrs.WEIGHTS_ARTIFACT in t.user_attrs]
    if not ready:
        raise MarssegError(f"none of the {len(done)} complete or pruned trials of study {study.study_name!r} has stored "
                           "weights and configs (was it run without an artifact store?)")
    chosen = ready[:top_k]
    if len(chosen) < top_k:
        print(f"only {len(chosen)} trial(s) of study {study.study_name!r} have stored weights; using "
              f"{[t.number for t in chosen]} instead of the top {top_k}", file=sys.stderr)
    return chosen


def run_predict(request: PredictRequest) -> int:
    """Predict the test images of `request.data` (default: the study's) and write the outputs."""
    from harness import configure_tensorflow
    from harness.data import UnlabelledImages
    from harness.common import load_existing_study
    from studies._study import load_settings

    study = load_existing_study(request.study, request.storage)
    settings = load_settings(study)
    chosen = choose_trials(study, request.top_k)
    test = UnlabelledImages.open(request.data or settings.data)
    if request.data is not None:
        _check_image_size(test, settings.data)
    artifact_dir = request.artifact_dir or settings.artifact_dir
    configure_tensorflow()
    members = ([_refit(study, settings, chosen[0], artifact_dir)] if request.refit
               else [Member(f"trial {t.number}", t.user_attrs[attrs.CONFIGS], t.user_attrs[attrs.WEIGHTS_ARTIFACT])
                     for t in chosen])
    with tempfile.TemporaryDirectory() as tmp:
        models = load_members(members, artifact_dir, test.image_shape, tmp)
        weights, tta, bias = [1.0] * len(models), request.tta, None
        if not request.refit and (len(models) > 1 or request.tta != "none" or request.class_bias == "val"):
            weights, tta, bias = choose_on_validation(request, settings, chosen, models)  # a refit saw val
        first = _write_outputs(request, models, test, weights, tta, bias)
    if request.png is not None:
        _write_pngs(Path(request.png), *first)
    used = ", ".join(m.label + (f" (x{w:.2f})" if len(members) > 1 else "")
                     for m, w in zip(members, weights) if w > 0)
    print(f"wrote {request.output}: {test.n_images} masks from {used} (tta {tta}"
          f"{', class offsets' if bias else ''}{', foreground only' if request.foreground_only else ''})",
          file=sys.stderr)
    return 0


def validation_split(settings: Any, trials: list[Any]) -> tuple[Any, list[bool]]:
    """(the validation images of `trials[0]`'s configs as a MarsData, which trials validated on
    exactly those images): the search split of the study's data, split as the trials' `DataConfig`s say."""
    import dataclasses

    import numpy as np

    from harness import TrialConfigs
    from harness.data import MarsData, load_data, prepare_data, split_heldout

    search = split_heldout(load_data(settings.data), settings.heldout_fraction, settings.seed,
                           settings.split_groups).search
    infos = [prepare_data(search, dataclasses.replace(TrialConfigs.from_dict(t.user_attrs[attrs.CONFIGS]).data,
                                                      oversample=False)).info  # oversampling: train images only
             for t in trials]
    val = MarsData(infos[0].val_images, infos[0].val_masks, infos[0].val_images[:0], source=f"{search.source} (val)")
    return val, [bool(np.array_equal(i.val_indices, infos[0].val_indices)) for i in infos]


def _val_probs(model: Any, images: Any, tta: str, batch_size: int) -> Any:
    import numpy as np

    from harness import ensemble_probs

    return np.concatenate([ensemble_probs([model], images[i:i + batch_size], tta)
                           for i in range(0, len(images), batch_size)])


def choose_on_validation(request: PredictRequest, settings: Any, chosen: list[Any],
                         models: list[Any]) -> tuple[list[float], str, tuple[float, ...] | None]:
    """(weight of each model, TTA, class offsets or None) chosen on the study's validation split:
    greedy ensemble selection among the models (`harness.select_ensemble`), then `request.tta`
    only if it raises the ensemble's val mIoU, then `harness.fit_class_bias` on what that predicts
    (with `request.class_bias` "val"). Said on stderr; the plain mean, the asked TTA and no offsets
    where the study's data cannot be read here."""
    from harness import fit_class_bias, probs_miou, select_ensemble, weighted_probs
    from marsseg_models import CLASS_NAMES, SCORED_CLASSES

    labels = [f"trial {t.number}" for t in chosen]
    try:
        val, same = validation_split(settings, chosen)
    except MarssegError as exc:
        print(f"cannot read the study's data here ({exc}): members averaged equally, tta {request.tta} as asked, "
              "no class offsets", file=sys.stderr)
        return [1.0] * len(models), request.tta, None
    keep = [i for i, s in enumerate(same) if s]
    if len(keep) < len(models):
        print(f"{[labels[i] for i in range(len(models)) if i not in keep]} validated on other images than "
              f"{labels[0]}: left out of the ensemble", file=sys.stderr)
    fg = request.foreground_only
    plain = [_val_probs(models[i], val.images, "none", request.batch_size) for i in keep]
    ensemble = select_ensemble(plain, val.masks, foreground_only=fg)
    picks, weights = [0] * len(models), [0.0] * len(models)  # the members left out weigh 0
    for i, n, w in zip(keep, ensemble.picks, ensemble.weights):
        picks[i], weights[i] = n, w
    print(f"ensemble chosen on {val.n_train} validation images: "
          + ", ".join(f"{labels[i]} x{weights[i]:.2f} ({n} of {sum(picks)} picks)" for i, n in enumerate(picks) if n)
          + f": val mIoU {ensemble.val_miou:.4f} (alone: "
          + ", ".join(f"{labels[i]} {v:.4f}" for i, v in zip(keep, ensemble.single_mious)) + ")", file=sys.stderr)
    tta, probs = "none", None  # probs: the chosen ensemble's val softmax, made only where the offsets need it
    if request.tta != "none":
        augmented = weighted_probs([_val_probs(m, val.images, request.tta, request.batch_size) if w > 0 else None
                                    for m, w in zip(models, weights)], weights)
        with_tta = probs_miou(augmented, val.masks, fg)
        used = with_tta > ensemble.val_miou
        print(f"tta {request.tta}: val mIoU {with_tta:.4f} against {ensemble.val_miou:.4f} without: "
              f"{'used' if used else 'not used'}", file=sys.stderr)
        if used:
            tta, probs = request.tta, augmented
    if request.class_bias == "none":
        return weights, tta, None
    if probs is None:
        probs = weighted_probs([plain[keep.index(i)] if w > 0 else None for i, w in enumerate(weights)], weights)
    bias = fit_class_bias(probs, val.masks, foreground_only=fg)
    print("class offsets (to the log-probability; background 0): "
          + ", ".join(f"{CLASS_NAMES[c]} {bias.offsets[c]:+.2f}" for c in SCORED_CLASSES)
          + f": val mIoU {bias.val_miou:.4f} against {bias.plain_miou:.4f} without: "
          + ("used" if bias.used else "not used"), file=sys.stderr)
    return weights, tta, bias.offsets if bias.used else None


def _check_image_size(test: Any, study_data: str) -> None:
    from harness.data import image_shape_of

    try:
        expected = image_shape_of(study_data)
    except MarssegError:
        print(f"cannot read the study's data {study_data} here: image size not checked", file=sys.stderr)
        return
    if tuple(test.image_shape) != tuple(expected):
        raise MarssegError(f"--data {test.spec}: images are {test.image_shape[0]}x{test.image_shape[1]}, the study "
                           f"trained on {expected[0]}x{expected[1]}")


def load_members(members: list[Member], artifact_dir: str, image_shape: tuple[int, int], tmp: str) -> list[Any]:
    """The Keras models of `members`, weights loaded; a MarssegError names a missing or misfitting file."""
    import keras

    from harness import TrialConfigs, WeightsMismatch, load_inference_model
    from studies._weights import fetch_weights

    keras.backend.clear_session()
    models = []
    for member in members:
        path = fetch_weights(artifact_dir, member.artifact_id, member.label, tmp)
        try:
            models.append(load_inference_model(TrialConfigs.from_dict(member.configs), str(path), image_shape))
        except WeightsMismatch as exc:
            raise MarssegError(f"the weights of {member.label} (artifact {member.artifact_id} in {artifact_dir}) do not "
                               f"fit the model rebuilt from its configs: {exc}") from None
    return models


def _write_outputs(request: PredictRequest, models: list[Any], test: Any, weights: list[float],
                   tta: str, bias: tuple[float, ...] | None) -> tuple[Any, Any]:
    """Stream the test images through the models into the CSV (and masks file); return the
    first N_PNG images of the first batch and their masks, for the overlays."""
    from harness import predict_masks
    from harness.data import SubmissionWriter
    from studies._progress import CountBar

    first: tuple[Any, Any] | None = None
    bar = CountBar("predict: images", test.n_images)
    try:
        with SubmissionWriter(request.output, test.n_images, test.image_shape, request.masks) as writer:
            for images in test.batches(request.batch_size):
                labels = predict_masks(models, images, tta, request.foreground_only, weights, bias)
                writer.write(labels)
                first = first or (images[:N_PNG], labels[:N_PNG])
                bar.update(len(labels))
    finally:
        bar.close()
    return first if first is not None else ((), ())


def _write_pngs(folder: Path, images: Any, labels: Any) -> None:
    from harness.data import write_overlay

    for i, (image, mask) in enumerate(zip(images, labels)):
        write_overlay(folder / f"test_{i:05d}.png", image, mask)
    print(f"wrote {len(images)} overlays (image | prediction) to {folder}", file=sys.stderr)


def _refit(study: Any, settings: Any, trial: Any, artifact_dir: str) -> Member:
    """The refit of `trial`'s configuration: the stored one, or trained and stored now."""
    stored = study.user_attrs.get(attrs.refit_key(trial.number))
    label = f"refit of trial {trial.number}"
    if stored and has_artifact(artifact_dir, stored["artifact_id"]):
        print(f"using the stored {label} ({stored['epochs']} epochs on {stored['n_images']} images)", file=sys.stderr)
        return Member(label, trial.user_attrs[attrs.CONFIGS], stored["artifact_id"])
    return Member(label, trial.user_attrs[attrs.CONFIGS], refit_trial(study, settings, trial, artifact_dir))


def refit_trial(study: Any, settings: Any, trial: Any, artifact_dir: str) -> str:
    """Train `trial`'s configs on the study's search split (train + validation images) for
    its best epoch count, upload the weights to the study's artifact store, record them on
    the study and return the artifact id."""
    from harness import TrialConfigs, refit_model
    from harness.data import load_data, split_heldout

    if attrs.BEST_EPOCH not in trial.user_attrs:
        raise MarssegError(f"trial {trial.number} has no recorded best epoch to refit for")
    epochs = int(trial.user_attrs[attrs.BEST_EPOCH]) + 1
    search = split_heldout(load_data(settings.data), settings.heldout_fraction, settings.seed,
                           settings.split_groups).search
    print(f"refitting trial {trial.number} for {epochs} epoch(s) on its search split ...", file=sys.stderr)
    start = time.perf_counter()
    model, n_images = refit_model(TrialConfigs.from_dict(trial.user_attrs[attrs.CONFIGS]), search, epochs)
    seconds = round(time.perf_counter() - start, 1)
    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / f"refit_trial{trial.number}.weights.h5"
        model.save_weights(weights)
        artifact_id = upload(artifact_dir, weights, study)
    study.set_user_attr(attrs.refit_key(trial.number), {"artifact_id": artifact_id, "epochs": epochs,
                                                         "n_images": n_images, "seconds": seconds})
    print(f"refit of trial {trial.number}: {epochs} epoch(s) on {n_images} images in {seconds} s, "
          f"stored as artifact {artifact_id}", file=sys.stderr)
    return artifact_id
