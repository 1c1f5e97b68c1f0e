"""Loading and saving the course's file format, and the one-line error of each bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.common import MarssegError
from harness.data import MarsData, load_data, load_dataset, save_dataset, synthesize
from studies.cli import main


def _write(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def _good_arrays(n: int = 4, dtype: type = np.uint8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    train = np.stack([rng.integers(0, 256, (n, 8, 16)), rng.integers(0, 5, (n, 8, 16))], axis=1)
    return {"training_set": train.astype(dtype), "test_set": rng.integers(0, 256, (3, 8, 16)).astype(dtype)}


def _bad_input(kind: str, tmp: Path) -> tuple[Path, str | None, str]:
    """A bad file of the given kind, the key its message must name, and a word of the problem."""
    good = _good_arrays()
    if kind == "missing file":
        return tmp / "nowhere.npz", None, "not found"
    if kind == "not an npz":
        (tmp / "text.npz").write_text("hello, not a zip\n")
        return tmp / "text.npz", None, "not an .npz"
    if kind == "missing key":
        return _write(tmp / "k.npz", training_set=good["training_set"]), "test_set", "missing"
    if kind == "wrong shape":
        return _write(tmp / "s.npz", training_set=good["training_set"][:, 0], test_set=good["test_set"]), \
            "training_set", "shape"
    if kind == "mask value 7":
        good["training_set"][2, 1, 3, 4] = 7
        return _write(tmp / "m.npz", **good), "training_set[:, 1]", "value 7"
    if kind == "NaN image":
        arrays = _good_arrays(dtype=np.float64)
        arrays["training_set"][1, 0, 0, 0] = np.nan
        return _write(tmp / "nan.npz", **arrays), "training_set[:, 0]", "NaN"
    if kind == "object array":
        obj = np.empty(2, dtype=object)
        obj[:] = [{"a": 1}, None]
        return _write(tmp / "o.npz", training_set=obj, test_set=good["test_set"]), "training_set", "object"
    if kind == "image out of range":
        arrays = _good_arrays(dtype=np.float64)
        arrays["test_set"][0, 0, 0] = 300.0
        return _write(tmp / "r.npz", **arrays), "test_set", "0-255"
    raise AssertionError(kind)


BAD_KINDS = ["missing file", "not an npz", "missing key", "wrong shape", "mask value 7", "NaN image",
             "object array", "image out of range"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_raises_one_line_error_naming_file_key_and_problem(kind: str, tmp_path: Path) -> None:
    path, key, problem = _bad_input(kind, tmp_path)
    with pytest.raises(MarssegError) as info:
        load_dataset(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert problem in message
    if key:
        assert f"'{key}'" in message


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_cli_turns_bad_input_into_exit_2_without_traceback(kind: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, _, problem = _bad_input(kind, tmp_path)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("marsseg: error: ") and problem in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_float64_file_is_accepted_and_converted_to_uint8(tmp_path: Path) -> None:
    arrays = _good_arrays(dtype=np.float64)
    data = load_dataset(_write(tmp_path / "f.npz", **arrays))
    assert data.images.dtype == data.masks.dtype == data.test_images.dtype == np.uint8
    np.testing.assert_array_equal(data.masks, arrays["training_set"][:, 1])
    assert data.source_dtypes == {"training_set": "float64", "test_set": "float64"}


def test_fractional_mask_value_is_rejected(tmp_path: Path) -> None:
    arrays = _good_arrays(dtype=np.float64)
    arrays["training_set"][0, 1, 0, 0] = 1.5
    with pytest.raises(MarssegError, match="integers 0-4"):
        load_dataset(_write(tmp_path / "frac.npz", **arrays))


def test_save_then_load_round_trips_exactly(tmp_path: Path) -> None:
    data = synthesize(30, 5, seed=3)
    loaded = load_dataset(save_dataset(tmp_path / "s.npz", data))
    for name in ("images", "masks", "test_images"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(data, name))


def test_save_into_missing_folder_fails_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(MarssegError, match="does not exist"):
        save_dataset(tmp_path / "no" / "x.npz", synthesize(4, 1))
    assert list(tmp_path.iterdir()) == []


def test_load_data_accepts_the_word_synthetic_with_size_and_seed() -> None:
    data = load_data("synthetic:40:7")
    assert data.n_train == 40
    np.testing.assert_array_equal(data.images, synthesize(40, data.n_test, seed=7).images)
    with pytest.raises(MarssegError, match="synthetic:N_TRAIN"):
        load_data("synthetic:many")


def test_marsdata_rejects_non_uint8_arrays() -> None:
    images = np.zeros((2, 4, 4), np.uint8)
    with pytest.raises(ValueError, match="uint8"):
        MarsData(images.astype(np.float32), images, images)
