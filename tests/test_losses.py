"""Losses against hand computations on tiny arrays, absent classes, class weights and config checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

mm = pytest.importorskip("marsseg_models")

# Two pixels, two classes: truth [0, 1], softmax rows [0.8, 0.2] and [0.4, 0.6].
Y_TRUE = np.array([[[0, 1]]], dtype=np.int32)
Y_PRED = np.array([[[[0.8, 0.2], [0.4, 0.6]]]], dtype=np.float32)
GDL_HAND = 1 - 2 * (0.8 + 0.6) / ((1 + 0.8 + 0.4) + (1 + 0.2 + 0.6))  # 0.3
FOCAL_PIXELS = (-(0.2**2) * math.log(0.8), -(0.4**2) * math.log(0.6))


def _loss(config: mm.LossConfig, y_true=Y_TRUE, y_pred=Y_PRED, share=None, n_classes=None) -> float:
    n_classes = n_classes or y_pred.shape[-1]
    return float(mm.build_loss(config, share, n_classes=n_classes)(y_true, y_pred))


def test_generalized_dice_matches_hand_computation() -> None:
    assert _loss(mm.LossConfig(alpha=1, beta=0)) == pytest.approx(GDL_HAND, abs=1e-5)


def test_focal_matches_hand_computation() -> None:
    assert _loss(mm.LossConfig(alpha=0, beta=1, gamma=2)) == pytest.approx(np.mean(FOCAL_PIXELS), abs=1e-5)


def test_focal_with_gamma_zero_is_cross_entropy() -> None:
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert _loss(mm.LossConfig(alpha=0, beta=1, gamma=0)) == pytest.approx(expected, abs=1e-5)


def test_combined_loss_is_the_weighted_sum() -> None:
    expected = 0.5 * GDL_HAND + 0.5 * np.mean(FOCAL_PIXELS)
    assert _loss(mm.LossConfig(alpha=0.5, beta=0.5, gamma=2)) == pytest.approx(expected, abs=1e-5)


def test_exclude_background_drops_class_zero_from_both_terms() -> None:
    assert _loss(mm.LossConfig(alpha=1, beta=0, exclude_background=True)) == pytest.approx(1 - 1.2 / 1.8, abs=1e-5)
    focal = _loss(mm.LossConfig(alpha=0, beta=1, exclude_background=True))
    assert focal == pytest.approx(FOCAL_PIXELS[1] / 2, abs=1e-5)


def test_absent_class_and_hard_zeros_give_finite_losses() -> None:
    y_true = np.zeros((1, 2, 2), np.int32)  # only class 0 present
    perfect = np.zeros((1, 2, 2, 5), np.float32)
    perfect[..., 0] = 1.0
    assert _loss(mm.LossConfig(alpha=1, beta=1), y_true, perfect) == pytest.approx(0.0, abs=1e-5)
    wrong = np.zeros((1, 2, 2, 5), np.float32)
    wrong[..., 4] = 1.0  # zero probability on the true class
    value = _loss(mm.LossConfig(alpha=1, beta=1), y_true, wrong)
    assert np.isfinite(value) and value > 1.0
    only_bg = _loss(mm.LossConfig(alpha=1, beta=1, exclude_background=True), y_true, perfect)
    assert only_bg == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_focal_gradient_stays_finite_for_gamma_below_one_on_confident_pixels(gamma: float) -> None:
    import tensorflow as tf

    y_true = np.array([[[0, 1]]], dtype=np.int32)
    logits = tf.Variable(np.array([[[[30.0, -30.0], [-30.0, 30.0]]]], dtype=np.float32))  # p rounds to 1
    loss = mm.build_loss(mm.LossConfig(alpha=0.5, beta=0.5, gamma=gamma), n_classes=2)
    with tf.GradientTape() as tape:
        value = loss(y_true, tf.nn.softmax(logits))
    grad = tape.gradient(value, logits)
    assert np.isfinite(float(value)) and np.all(np.isfinite(grad.numpy()))


def test_mask_with_trailing_channel_axis_is_accepted() -> None:
    assert _loss(mm.LossConfig(), Y_TRUE[..., None], Y_PRED) == pytest.approx(_loss(mm.LossConfig()), abs=1e-6)


def test_stacked_heads_weight_main_one_and_aux_half() -> None:
    aux = np.array([[[[0.5, 0.5], [0.5, 0.5]]]], dtype=np.float32)
    stacked = np.concatenate([Y_PRED, aux], axis=-1)
    config = mm.LossConfig()
    expected = _loss(config) + 0.5 * _loss(config, y_pred=aux)
    assert _loss(config, y_pred=stacked, n_classes=2) == pytest.approx(expected, abs=1e-5)


REAL_SHARE = (0.447, 0.203, 0.281, 0.063, 0.0049)


def test_inverse_frequency_weights_and_cap() -> None:
    raw = mm.class_weights(mm.LossConfig(class_weighting="inverse_freq"), REAL_SHARE)
    np.testing.assert_allclose(raw, [1.0, 0.447 / 0.203, 0.447 / 0.281, 0.447 / 0.063, 0.447 / 0.0049], rtol=1e-6)
    assert raw[4] == pytest.approx(91.2, abs=0.1)  # the ~100x weight that over-predicts big rock
    capped = mm.class_weights(mm.LossConfig(class_weighting="inverse_freq_capped", weight_cap=10, exclude_background=True), REAL_SHARE)
    np.testing.assert_allclose(capped, [0.0, 0.281 / 0.203, 1.0, 0.281 / 0.063, 10.0], rtol=1e-6)
    np.testing.assert_array_equal(mm.class_weights(mm.LossConfig(), None), np.ones(5))


def test_class_weights_change_the_loss() -> None:
    share = (0.9, 0.1)
    plain = _loss(mm.LossConfig(alpha=0, beta=1))
    weighted = _loss(mm.LossConfig(alpha=0, beta=1, class_weighting="inverse_freq"), share=share)
    assert weighted == pytest.approx((FOCAL_PIXELS[0] + 9 * FOCAL_PIXELS[1]) / 2, abs=1e-5)
    assert weighted > plain


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"class_weighting": "median"}, "['none', 'inverse_freq', 'inverse_freq_capped']"),
        ({"alpha": 0, "beta": 0}, "not both 0"),
        ({"gamma": -1}, "gamma must be >= 0, got -1"),
        ({"weight_cap": 0.5}, "weight_cap must be >= 1, got 0.5"),
    ],
)
def test_bad_loss_config_fails_with_value_and_choices(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        mm.LossConfig(**kwargs)
    assert fragment in str(info.value)


def test_weighting_without_pixel_shares_is_rejected() -> None:
    with pytest.raises(ValueError, match="class_pixel_share"):
        mm.build_loss(mm.LossConfig(class_weighting="inverse_freq_capped"))


def test_loss_round_trips_through_its_config() -> None:
    loss = mm.build_loss(mm.LossConfig(alpha=0.3, beta=0.7, exclude_background=True), n_classes=2)
    again = type(loss).from_config(loss.get_config())
    assert float(again(Y_TRUE, Y_PRED)) == pytest.approx(float(loss(Y_TRUE, Y_PRED)), abs=1e-7)
