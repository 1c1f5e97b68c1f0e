"""`marsseg data synth` and `marsseg data inspect`: outputs, determinism, and no TensorFlow import."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import modules_loaded_by

from harness.data import synthesize_with_aliens, load_dataset
from studies.cli import main


def test_synth_twice_with_the_same_seed_writes_identical_arrays(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["data", "synth", str(tmp_path / f"{name}.npz"), "--n-train", "120", "--n-test", "7",
                     "--seed", "9"]) == 0
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert a["training_set"].shape == (120, 2, 64, 128) and a["test_set"].shape == (7, 64, 128)
    for key in ("training_set", "test_set"):
        np.testing.assert_array_equal(a[key], b[key])


def test_inspect_json_finds_the_injected_aliens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.npz"
    assert main(["data", "synth", str(path), "--n-train", "200", "--n-test", "3", "--seed", "4"]) == 0
    capsys.readouterr()
    assert main(["data", "inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    truth = synthesize_with_aliens(200, 3, seed=4)
    assert (report["n_train"], report["n_test"]) == (200, 3)
    assert report["outliers"] == sorted([*truth.alien_indices.tolist(), truth.alien_source])
    assert len(report["class_share"]) == 5
    assert all({"size", "labelled", "indices"} <= set(g) for g in report["mask_groups"])


def test_inspect_text_names_classes_and_flags_the_outlier_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "inspect", "synthetic:150"]) == 0
    out = capsys.readouterr().out
    assert "big_rock" in out and "<- outlier" in out


def test_synth_refuses_a_missing_output_folder_with_exit_2(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "synth", str(tmp_path / "no" / "x.npz"), "--n-train", "10"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_data_commands_never_import_tensorflow(tmp_path: Path) -> None:
    path = tmp_path / "s.npz"
    code = (
        "from studies.cli import main\n"
        f"assert main(['data', 'synth', {str(path)!r}, '--n-train', '30', '--n-test', '2']) == 0\n"
        f"assert main(['data', 'inspect', {str(path)!r}, '--json']) == 0\n"
        "assert main(['data', 'inspect', 'missing.npz']) == 2\n"
        "import harness\n"
    )
    assert modules_loaded_by(code) == []  # the asserts above run in the child: it fails if one fails
    assert load_dataset(path).n_train == 30
