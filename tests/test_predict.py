"""`marsseg predict` and `marsseg score`: submission files, ensembles, TTA, refit and bad input.

Slow tests share one 3-trial `tiny` study on synthetic data (weights saved) and compare the
command's output with predictions computed here, independently, from the stored weights.
"""

from __future__ import annotations

import csv
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import optuna
import pytest
from conftest import one_line_error

from harness.data import (
    MarsData,
    SubmissionWriter,
    UnlabelledImages,
    encode_png,
    image_shape_of,
    load_dataset,
    save_dataset,
    score_predictions,
    synthesize,
)
from studies.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.ERROR)

H, W = 64, 128
STUDY = "p"
BASE = {"model.family": "unet", "model.residual": False, "model.se_levels": 0, "model.dropout": "none",
        "model.deep_supervision": False, "loss.alpha": 0.5, "loss.dice": "course"}
TRIALS = ({**BASE, "model.deep_supervision": True, "train.lr": 5e-3}, {**BASE, "train.lr": 3e-3},
          {**BASE, "model.residual": True, "train.lr": 1e-3})


# ---------- independent readers -------------------------------------------------------------

def _read_csv(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(header, ids, masks (M, H, W)) read with the csv module."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    table = np.array(rows[1:], dtype=np.int64)
    return rows[0], table[:, 0], table[:, 1:].reshape(-1, H, W)


def _decode_png(data: bytes) -> np.ndarray:
    """RGB pixels of an 8-bit, filter-0 PNG, checking signature and every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2) and b"IEND" in chunks
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + 3 * width)
    assert not raw[:, 0].any()
    return raw[:, 1:].reshape(height, width, 3)


def _iou_by_sets(truth: np.ndarray, pred: np.ndarray, c: int) -> float:
    t, p = set(np.flatnonzero(truth == c)), set(np.flatnonzero(pred == c))
    return len(t & p) / len(t | p) if t | p else float("nan")


# ---------- files, streaming, scoring: NumPy only ---------------------------------------------

def test_submission_csv_and_masks_hold_every_batch_in_id_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 5, (7, H, W), dtype=np.uint8)
    with SubmissionWriter(tmp_path / "s.csv", 7, (H, W), tmp_path / "m.npz") as writer:
        for start in (0, 3, 6):
            writer.write(masks[start:start + 3])
    header, ids, got = _read_csv(tmp_path / "s.csv")
    assert header == ["id"] + [str(i) for i in range(H * W)]
    assert ids.tolist() == list(range(7))
    np.testing.assert_array_equal(got, masks)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert npz.files == ["masks"] and npz["masks"].dtype == np.uint8
        np.testing.assert_array_equal(npz["masks"], masks)


def test_an_unfinished_submission_leaves_no_file(tmp_path: Path) -> None:
    masks = np.zeros((2, H, W), np.uint8)
    with pytest.raises(ValueError, match="only 2 of 3"):
        with SubmissionWriter(tmp_path / "s.csv", 3, (H, W), tmp_path / "m.npz") as writer:
            writer.write(masks)
    with pytest.raises(RuntimeError):
        with SubmissionWriter(tmp_path / "s.csv", 2, (H, W)) as writer:
            writer.write(masks[:1])
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_test_images_stream_in_batches_equal_to_the_whole_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    test = rng.integers(0, 256, (11, 8, 12)).astype(np.float64)  # the course's float files too
    path = tmp_path / "d.npz"
    np.savez_compressed(path, training_set=np.zeros((2, 2, 8, 12), np.uint8), test_set=test)
    stream = UnlabelledImages.open(path)
    batches = list(stream.batches(4))
    assert (stream.n_images, stream.image_shape) == (11, (8, 12)) and image_shape_of(path) == (8, 12)
    assert [len(b) for b in batches] == [4, 4, 3] and all(b.dtype == np.uint8 for b in batches)
    np.testing.assert_array_equal(np.concatenate(batches), test.astype(np.uint8))
    np.testing.assert_array_equal(np.concatenate(batches), load_dataset(path).test_images)


@pytest.mark.realdata
def test_real_test_set_streams_equal_to_the_loaded_file(real_data_path: Path) -> None:
    stream = UnlabelledImages.open(real_data_path)
    whole = load_dataset(real_data_path)
    assert (stream.n_images, stream.image_shape) == (whole.n_test, whole.image_shape)
    np.testing.assert_array_equal(np.concatenate(list(stream.batches(1000))), whole.test_images)


def test_score_matches_iou_counted_by_pixel_sets(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 5, (5, H, W), dtype=np.uint8)
    truth[..., :10] = 4  # big rock present
    pred = np.where(rng.random(truth.shape) < 0.7, truth, rng.integers(0, 5, truth.shape)).astype(np.uint8)
    np.savez(tmp_path / "labels.npz", masks=truth)
    with SubmissionWriter(tmp_path / "p.csv", 5, (H, W), tmp_path / "p.npz") as writer:
        writer.write(pred)
    expected = [_iou_by_sets(truth, pred, c) for c in (1, 2, 3, 4)]
    for source in ("p.csv", "p.npz"):
        score = score_predictions(tmp_path / source, tmp_path / "labels.npz")
        assert list(score["per_class_iou"].values()) == pytest.approx(expected)
        assert score["miou"] == pytest.approx(np.mean(expected)) and score["n_images"] == 5


def test_score_command_prints_miou_and_rejects_a_mismatch(tmp_path: Path, capsys) -> None:
    masks = np.ones((3, H, W), np.uint8)
    np.savez(tmp_path / "labels.npz", masks=masks)
    np.savez(tmp_path / "short.npz", masks=masks[:2])
    assert main(["score", str(tmp_path / "labels.npz"), str(tmp_path / "labels.npz")]) == 0
    out = capsys.readouterr().out
    assert "mIoU 1.0000" in out and "soil       1.0000" in out and "big_rock   absent" in out
    err = one_line_error(capsys, ["score", str(tmp_path / "short.npz"), str(tmp_path / "labels.npz")])
    assert "holds 2 masks" in err


def test_score_imports_no_tensorflow(tmp_path: Path) -> None:
    from conftest import modules_loaded_by

    labels = str(tmp_path / "labels.npz")
    np.savez(labels, masks=np.ones((2, H, W), np.uint8))
    code = f"from studies.cli import main\nassert main(['score', {labels!r}, {labels!r}]) == 0"
    assert modules_loaded_by(code, ("tensorflow", "keras")) == []


def test_png_overlay_decodes_to_image_beside_its_tinted_copy(tmp_path: Path) -> None:
    from harness.data import overlay_panel, write_overlay

    rng = np.random.default_rng(3)
    image, labels = rng.integers(0, 256, (6, 9), dtype=np.uint8), rng.integers(0, 5, (6, 9))
    write_overlay(tmp_path / "o.png", image, labels)
    pixels = _decode_png((tmp_path / "o.png").read_bytes())
    panel = overlay_panel(image, labels)
    np.testing.assert_array_equal(pixels[::2, ::2], panel)  # enlarged 2x
    np.testing.assert_array_equal(panel[:, :9], np.repeat(image[..., None], 3, axis=-1))
    tinted, soil = panel[:, 9 + 4:], np.array([0xA6, 0x61, 0x1A])
    assert tinted.shape == (6, 9, 3)
    np.testing.assert_allclose(tinted[labels == 1], 0.5 * image[labels == 1][:, None] + 0.5 * soil, atol=0.51)
    assert _decode_png(encode_png(np.zeros((1, 1, 3), np.uint8))).shape == (1, 1, 3)


class _Affine:
    """A stand-in model: softmax of per-class affine maps of the image plus a left-right ramp,
    so a mirrored image gives a different answer."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.a, self.b = rng.normal(size=5), rng.normal(size=5)

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        ramp = np.linspace(-1, 1, x.shape[2])[None, None, :, None]
        logits = x * self.a + ramp * self.b
        e = np.exp(logits - logits.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)


def test_ensemble_with_flip_averages_each_model_and_its_mirror() -> None:
    from harness import ensemble_probs, predict_masks

    images = np.random.default_rng(4).integers(0, 256, (3, 4, 6), dtype=np.uint8)
    models = [_Affine(0), _Affine(1)]
    x = images[..., None] / 255.0
    expected = np.mean([(m.predict_on_batch(x) + m.predict_on_batch(x[:, :, ::-1])[:, :, ::-1]) / 2
                        for m in models], axis=0)
    np.testing.assert_allclose(ensemble_probs(models, images, "flip"), expected, rtol=1e-5, atol=1e-6)
    plain = np.mean([m.predict_on_batch(x) for m in models], axis=0)
    np.testing.assert_allclose(ensemble_probs(models, images, "none"), plain, rtol=1e-5, atol=1e-6)
    assert not np.allclose(plain, expected)
    np.testing.assert_array_equal(predict_masks(models, images, "flip", foreground_only=True),
                                  np.argmax(expected[..., 1:], axis=-1) + 1)
    with pytest.raises(ValueError, match="valid: none, flip"):
        ensemble_probs(models, images, "rotate")


def test_refit_dataset_covers_train_and_validation_images_only() -> None:
    from harness.data import DataConfig, make_refit_dataset, prepare_data

    data = synthesize(n_train=40, n_test=0, seed=5)
    config = DataConfig(geometric=False, max_train_images=20, max_val_images=6, seed=5)
    info = prepare_data(data, config).info
    wanted = {data.images[i].tobytes() for i in np.concatenate([info.train_indices, info.val_indices])}
    ds, n_images, _ = make_refit_dataset(data, config, batch_size=8)
    seen = {(np.asarray(x)[i, ..., 0] * 255).round().astype(np.uint8).tobytes() for x, _ in ds
            for i in range(len(x))}
    assert n_images == 26 and seen == wanted


# ---------- bad input that needs no trained study -----------------------------------------------

def test_bad_flags_and_missing_studies_end_in_one_line(tmp_path: Path, capsys) -> None:
    from harness.common import open_storage
    from studies import StudySettings, create_or_resume

    journal = str(tmp_path / "j.journal")
    out = str(tmp_path / "s.csv")
    base = ["predict", "--storage", journal, "-o", out]
    assert "--top-k must be >= 1, got 0" in one_line_error(capsys, [*base, "--study", "x", "--top-k", "0"])
    err = one_line_error(capsys, ["predict", "--study", "x", "--storage", journal, "-o", str(tmp_path / "no/s.csv")])
    assert f"folder {tmp_path / 'no'} does not exist" in err
    assert "--png folder" in one_line_error(capsys, [*base, "--study", "x", "--png", str(tmp_path / "none")])
    assert "journal file" in one_line_error(capsys, [*base, "--study", "x"])  # never created empty
    settings = StudySettings(space="smoke", sampler="random", pruner="none", budget="tiny", data="synthetic:20",
                             seed=0, artifact_dir=str(tmp_path / "a"), n_trials=1)
    create_or_resume(open_storage(journal), "empty", settings)
    err = one_line_error(capsys, [*base, "--study", "x"])
    assert "no study named 'x'" in err and "stored studies: empty" in err
    assert "study 'empty' has no complete trial" in one_line_error(capsys, [*base, "--study", "empty"])
    assert list(tmp_path.iterdir()) == [tmp_path / "j.journal"]  # nothing written


# ---------- the shared tiny study -----------------------------------------------------------------

@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    """A 3-trial `tiny` study of U-Nets on synthetic:60 with weights; and a small test file."""
    from harness.common import open_storage
    from studies import StudySettings, WorkerSpec, create_or_resume, run_worker

    root = tmp_path_factory.mktemp("predict")
    journal = str(root / "j.journal")
    settings = StudySettings(space="smoke", sampler="random", pruner="none", budget="tiny", data="synthetic:60",
                             seed=0, artifact_dir=str(root / "artifacts"), n_trials=3, heldout_fraction=0.1)
    made, _ = create_or_resume(open_storage(journal), STUDY, settings)
    for params in TRIALS:
        made.enqueue_trial(params)
    assert run_worker(WorkerSpec(journal, STUDY)) == 3
    trials = optuna.load_study(study_name=STUDY, storage=open_storage(journal)).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3, [t.user_attrs.get("fail_reason") for t in trials]
    small = synthesize(n_train=4, n_test=10, seed=9)
    test_file = save_dataset(root / "small.npz", small)
    return {"root": root, "journal": journal, "artifacts": root / "artifacts", "trials": trials,
            "test_file": test_file, "test_images": small.test_images}


def _weights(artifacts: Path, artifact_id: str, dest: Path) -> Path:
    path = dest / f"{artifact_id}.weights.h5"
    path.write_bytes((artifacts / artifact_id).read_bytes())
    return path


def _softmax_of(configs: dict, weights: Path, images: np.ndarray, flip: bool) -> np.ndarray:
    """Softmax of the stored configs' model with `weights`, computed with marsseg_models directly."""
    from marsseg_models import ModelConfig, build_model, inference_model

    model = inference_model(build_model(ModelConfig(**configs["model"]), input_shape=(H, W, 1), n_classes=5))
    model.load_weights(weights)
    x = images[..., None].astype(np.float32) / 255.0
    probs = model.predict(x, verbose=0)
    if flip:
        probs = (probs + model.predict(x[:, :, ::-1], verbose=0)[:, :, ::-1]) / 2
    return probs


def _assert_argmax(masks: np.ndarray, probs: np.ndarray) -> None:
    """Equal to the arg-max, except where the two best classes tie within float32 noise."""
    top2 = np.sort(probs, axis=-1)[..., -2:]
    differ = masks != np.argmax(probs, axis=-1)
    assert not (differ & (top2[..., 1] - top2[..., 0] > 1e-4)).any()
    assert differ.mean() < 1e-3


def _choice(err: str) -> tuple[dict[int, int], bool]:
    """(picks of each trial number, whether the TTA was used) as `predict` printed them."""
    line = next(line for line in err.splitlines() if line.startswith("ensemble chosen on"))
    picks = {int(n): int(k) for n, k in re.findall(r"trial (\d+) x[0-9.]+ \((\d+) of \d+ picks\)", line)}
    return picks, any(line.startswith("tta flip:") and line.endswith(": used") for line in err.splitlines())


def _val_split(trial) -> tuple[np.ndarray, np.ndarray]:
    """The validation images and masks the study's trials trained against, split here."""
    from harness import TrialConfigs
    from harness.data import load_data, prepare_data, split_heldout

    search = split_heldout(load_data("synthetic:60"), 0.1, 0).search  # the study's data, fraction and seed
    info = prepare_data(search, TrialConfigs.from_dict(trial.user_attrs["configs"]).data).info
    return info.val_images, info.val_masks


def _miou_by_sets(truth: np.ndarray, pred: np.ndarray) -> float:
    ious = [v for c in (1, 2, 3, 4) if not np.isnan(v := _iou_by_sets(truth, pred, c))]
    return float(np.mean(ious)) if ious else 0.0


@pytest.mark.slow
def test_top2_flip_ensemble_is_chosen_on_validation_and_never_below_its_best_member(study, tmp_path: Path,
                                                                                    capsys) -> None:
    out, masks = tmp_path / "s.csv", tmp_path / "m.npz"
    assert main(["predict", "--study", STUDY, "--storage", study["journal"], "--data", str(study["test_file"]),
                 "--top-k", "2", "--tta", "flip", "-o", str(out), "--masks", str(masks), "--png", str(tmp_path),
                 "--batch-size", "4", "--class-bias", "none"]) == 0
    err = capsys.readouterr().err
    picks, flip = _choice(err)
    best = sorted(study["trials"], key=lambda t: -t.value)[:2]
    assert set(picks) <= {t.number for t in best} and best[0].number in picks  # it starts from the best trial
    weights = {n: k / sum(picks.values()) for n, k in picks.items()}
    files = {t.number: _weights(study["artifacts"], t.user_attrs["weights_artifact_id"], tmp_path) for t in best}

    def mixed(images: np.ndarray, with_flip: bool) -> np.ndarray:
        return sum(w * _softmax_of(next(t for t in best if t.number == n).user_attrs["configs"], files[n], images,
                                   flip=with_flip) for n, w in weights.items())

    val_images, val_masks = _val_split(best[0])
    alone = [_miou_by_sets(val_masks, _softmax_of(t.user_attrs["configs"], files[t.number], val_images,
                                                  flip=False).argmax(-1)) for t in best]
    plain = _miou_by_sets(val_masks, mixed(val_images, False).argmax(-1))
    assert plain >= max(alone) - 1e-9  # never below its best member on val
    assert flip == (_miou_by_sets(val_masks, mixed(val_images, True).argmax(-1)) > plain)  # flip only if it helps
    header, ids, got = _read_csv(out)
    images = study["test_images"]
    assert len(header) == 1 + H * W and ids.tolist() == list(range(len(images))) and got.shape == images.shape
    _assert_argmax(got, mixed(images, flip))
    with np.load(masks) as npz:
        np.testing.assert_array_equal(npz["masks"], got)
    pngs = sorted(tmp_path.glob("test_*.png"))
    assert len(pngs) == 4 and _decode_png(pngs[0].read_bytes()).shape == (2 * H, 2 * (2 * W + 4), 3)
    assert f"masks from trial {best[0].number} (x" in err and f"(tta {'flip' if flip else 'none'})" in err


@pytest.mark.slow
def test_class_offsets_are_fitted_on_validation_and_applied_to_the_test_images(study, tmp_path: Path,
                                                                              capsys) -> None:
    masks = tmp_path / "m.npz"
    assert main(["predict", "--study", STUDY, "--storage", study["journal"], "--data", str(study["test_file"]),
                 "-o", str(tmp_path / "s.csv"), "--masks", str(masks)]) == 0
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.startswith("class offsets"))
    offsets = np.array([0.0] + [float(v) for v in re.findall(r"(?:soil|bedrock|sand|big_rock) ([+-][0-9.]+)", line)],
                       np.float32)
    assert len(offsets) == 5
    val_miou, plain = (float(v) for v in re.search(r"val mIoU ([0-9.]+) against ([0-9.]+)", line).groups())
    best = max(study["trials"], key=lambda t: t.value)
    weights = _weights(study["artifacts"], best.user_attrs["weights_artifact_id"], tmp_path)
    val_images, val_masks = _val_split(best)
    val_probs = _softmax_of(best.user_attrs["configs"], weights, val_images, flip=False)
    assert plain == pytest.approx(_miou_by_sets(val_masks, val_probs.argmax(-1)), abs=1e-4)
    shifted = np.log(np.maximum(val_probs, 1e-7)) + offsets
    assert val_miou == pytest.approx(_miou_by_sets(val_masks, shifted.argmax(-1)), abs=1e-4) and val_miou >= plain
    used = line.endswith(": used")
    assert used == bool(offsets.any()) and (", class offsets" in err) == used
    test_probs = _softmax_of(best.user_attrs["configs"], weights, study["test_images"], flip=False)
    with np.load(masks) as npz:
        _assert_argmax(npz["masks"], np.exp(np.log(np.maximum(test_probs, 1e-7)) + offsets))


@pytest.mark.slow
def test_fewer_trials_with_weights_than_k_uses_those_and_says_so(study, tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.csv"
    assert main(["predict", "--study", STUDY, "--storage", study["journal"], "--data", str(study["test_file"]),
                 "--top-k", "5", "--foreground-only", "--class-bias", "none", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "only 3 trial(s)" in err
    picks, _ = _choice(err)
    _, _, got = _read_csv(out)
    assert got.min() >= 1  # background is never predicted
    probs = sum(k / sum(picks.values()) * _softmax_of(
        t.user_attrs["configs"], _weights(study["artifacts"], t.user_attrs["weights_artifact_id"], tmp_path),
        study["test_images"], flip=False) for t in study["trials"] if (k := picks.get(t.number)))
    _assert_argmax(got - 1, probs[..., 1:])


@pytest.mark.slow
def test_refit_stores_new_weights_and_predicts_with_them(study, tmp_path: Path, capsys) -> None:
    from harness import TrialConfigs
    from harness.common import open_storage
    from harness.data import load_data, prepare_data, split_heldout

    out = tmp_path / "s.csv"
    argv = ["predict", "--study", STUDY, "--storage", study["journal"], "--data", str(study["test_file"]), "--refit",
            "-o", str(out)]
    assert main(argv) == 0
    stored = optuna.load_study(study_name=STUDY, storage=open_storage(study["journal"])).user_attrs
    best = max(study["trials"], key=lambda t: t.value)
    refit = stored[f"refit.{best.number}"]
    weights = _weights(study["artifacts"], refit["artifact_id"], tmp_path)
    original = study["artifacts"] / best.user_attrs["weights_artifact_id"]
    assert weights.read_bytes() != original.read_bytes()
    assert refit["epochs"] == best.user_attrs["best_epoch"] + 1
    search = split_heldout(load_data("synthetic:60"), 0.1, 0).search  # never the held-out images
    info = prepare_data(search, TrialConfigs.from_dict(best.user_attrs["configs"]).data).info
    assert refit["n_images"] == info.n_train + info.n_val < 60
    _, ids, got = _read_csv(out)
    assert ids.tolist() == list(range(len(study["test_images"])))
    _assert_argmax(got, _softmax_of(best.user_attrs["configs"], weights, study["test_images"], flip=False))
    capsys.readouterr()
    assert main([*argv[:-1], str(tmp_path / "again.csv")]) == 0  # the stored refit is reused
    assert "using the stored refit of trial" in capsys.readouterr().err
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


@pytest.mark.slow
def test_missing_or_misfitting_weights_and_a_wrong_image_size_end_in_one_line(study, tmp_path: Path,
                                                                             capsys) -> None:
    import keras
    from marsseg_models import ModelConfig, build_model

    out = tmp_path / "s.csv"
    base = ["predict", "--study", STUDY, "--storage", study["journal"], "-o", str(out)]  # the study's data
    best = max(study["trials"], key=lambda t: t.value)
    artifact_id = best.user_attrs["weights_artifact_id"]
    empty = tmp_path / "empty"
    empty.mkdir()
    err = one_line_error(capsys, [*base, "--artifacts", str(empty)])
    assert f"trial {best.number}" in err and artifact_id in err and str(empty) in err and "--artifacts" in err
    other = tmp_path / "other"
    other.mkdir()
    keras.backend.clear_session()
    build_model(ModelConfig(family="unet", base_filters=4, depth=2), input_shape=(H, W, 1), n_classes=5) \
        .save_weights(tmp_path / "small.weights.h5")
    (other / artifact_id).write_bytes((tmp_path / "small.weights.h5").read_bytes())
    err = one_line_error(capsys, [*base, "--artifacts", str(other)])
    assert f"weights of trial {best.number}" in err and "do not fit" in err
    wrong = save_dataset(tmp_path / "wrong.npz", MarsData(np.zeros((2, 32, 64), np.uint8),
                                                          np.zeros((2, 32, 64), np.uint8),
                                                          np.zeros((3, 32, 64), np.uint8)))
    err = one_line_error(capsys, [*base, "--data", str(wrong)])
    assert "32x64" in err and "64x128" in err
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
