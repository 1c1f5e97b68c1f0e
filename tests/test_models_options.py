"""Config validation, option placement, and bottleneck sizes derived from the input."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import modules_loaded_by

keras = pytest.importorskip("keras")
mm = pytest.importorskip("marsseg_models")
from marsseg_models._blocks import aspp_rates, pyramid_bins  # noqa: E402


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"family": "segnet"}, "family must be one of ['unet', 'unet_pp', 'double_unet', 'double_unet_parallel'], got 'segnet'"),
        ({"bottleneck": "psp"}, "['plain', 'dilated', 'aspp', 'pp'], got 'psp'"),
        ({"dropout": "encoder"}, "['none', 'bottleneck', 'deep', 'all'], got 'encoder'"),
        ({"normalization": "layer"}, "['batch', 'group', 'none'], got 'layer'"),
        ({"depth": 0}, "depth must be an integer in [1, 6], got 0"),
        ({"se_levels": 5, "depth": 4}, "se_levels must be an integer in [0, depth=4], got 5"),
        ({"dropout_rate": 1.0}, "dropout_rate must be in [0, 1), got 1.0"),
        ({"bn_momentum": 1.0}, "bn_momentum must be in (0, 1), got 1.0"),
        ({"base_filters": 0}, "base_filters must be a positive integer, got 0"),
    ],
)
def test_bad_model_option_fails_at_config_time_listing_valid_values(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        mm.ModelConfig(**kwargs)
    assert fragment in str(info.value)


def test_depth_too_deep_for_input_is_rejected_at_build() -> None:
    with pytest.raises(ValueError, match=r"depth=6 does not fit input 64x128"):
        mm.build_model(mm.ModelConfig(depth=6, base_filters=2))
    with pytest.raises(ValueError, match=r"depth=3 does not fit input 60x128"):
        mm.build_model(mm.ModelConfig(depth=3, base_filters=2), input_shape=(60, 128, 1))


@pytest.mark.parametrize(
    ("hw", "rates", "bins"),
    [((4, 8), (1, 2), (1, 2, 4)), ((8, 16), (1, 2, 4), (1, 2, 4, 8)), ((2, 4), (1,), (1, 2)), ((16, 32), (1, 2, 4), (1, 2, 4, 8))],
)
def test_aspp_rates_and_pyramid_bins_fit_the_bottleneck(hw: tuple[int, int], rates: tuple, bins: tuple) -> None:
    assert aspp_rates(hw) == rates
    assert pyramid_bins(hw) == bins
    assert max(rates) <= min(hw) // 2 or rates == (1,)


def _count(model: keras.Model, cls: type) -> int:
    return sum(isinstance(layer, cls) for layer in model.layers)


@pytest.mark.parametrize(("placement", "expected"), [("none", 0), ("bottleneck", 1), ("deep", 3), ("all", 9)])
def test_dropout_placement(placement: str, expected: int) -> None:
    model = mm.build_model(mm.ModelConfig(depth=4, base_filters=2, dropout=placement))
    assert _count(model, keras.layers.Dropout) == expected


@pytest.mark.parametrize(("se_levels", "expected"), [(0, 0), (1, 3), (2, 5)])
def test_se_levels_cover_the_deepest_encoder_and_decoder_levels(se_levels: int, expected: int) -> None:
    model = mm.build_model(mm.ModelConfig(depth=3, base_filters=2, se_levels=se_levels))
    assert _count(model, keras.layers.Multiply) == expected


def test_options_change_the_network() -> None:
    base = mm.ModelConfig(depth=3, base_filters=4)
    counts = {
        name: mm.build_model(dataclasses.replace(base, **opts)).count_params()
        for name, opts in {
            "plain": {},
            "residual": {"residual": True},
            "attention": {"attention_gates": True},
            "aspp": {"bottleneck": "aspp"},
            "pp": {"bottleneck": "pp"},
        }.items()
    }
    assert len(set(counts.values())) == len(counts)


def test_double_unet_is_two_unet_bases() -> None:
    unet = mm.build_model(mm.ModelConfig(depth=3, base_filters=4))
    double = mm.build_model(mm.ModelConfig(family="double_unet", depth=3, base_filters=4))
    n_conv = _count(unet, keras.layers.Conv2D)
    assert _count(double, keras.layers.Conv2D) == 2 * n_conv  # two bases, two heads


@pytest.mark.parametrize("family", list(mm.FAMILIES))
def test_every_batch_norm_of_every_family_takes_the_config_momentum(family: str) -> None:
    config = mm.ModelConfig(family=family, depth=2, base_filters=2, residual=True, se_levels=1, bottleneck="aspp",
                            bn_momentum=0.99)
    model = mm.build_model(config)
    moms = [layer.momentum for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(moms) > 4 and set(moms) == {0.99}


def test_table1_holds_the_seven_published_rows() -> None:
    assert [e.published_miou for e in mm.TABLE1] == [0.61892, 0.62356, 0.62784, 0.63169, 0.67663, 0.70139, 0.70329]
    best = mm.TABLE1[-1].config
    assert (best.family, best.residual, best.bottleneck, best.attention_gates) == ("double_unet", True, "aspp", False)
    assert best.se_levels > 0


def test_configs_table1_and_scoring_import_without_tensorflow() -> None:
    code = "import marsseg_models as m; m.ModelConfig(); m.LossConfig(); m.TABLE1; m.VAL_MIOU; m.per_class_iou"
    assert modules_loaded_by(code) == []
