"""Losses against hand computations on tiny arrays, Dice variants, absent classes, class weights and config checks."""

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


# Three pixels, three classes, class 2 absent from the truth: truth [0, 0, 1].
Y3_TRUE = np.array([[[0, 0, 1]]], dtype=np.int32)
Y3_PRED = np.array([[[[0.7, 0.2, 0.1], [0.5, 0.4, 0.1], [0.2, 0.7, 0.1]]]], dtype=np.float32)
# Per class: n = (2, 1, 0), I = sum y p = (1.2, 0.7, 0), T = sum (y + p) = (3.4, 2.3, 0.3).
DICE3_HAND = {
    "course": 1 - 2 * 1.9 / 6.0,
    # w = 1/n^2 = (1/4, 1), absent class 2 gets the largest present weight, 1.
    "sudre": 1 - 2 * (0.25 * 1.2 + 0.7) / (0.25 * 3.4 + 2.3 + 0.3),
    # (2 I + 1) / (T + 1) per class, averaged.
    "mean": 1 - (3.4 / 4.4 + 2.4 / 3.3 + 1 / 1.3) / 3,
}
DICE3_NO_BACKGROUND = {
    "course": 1 - 2 * 0.7 / (2.3 + 0.3),
    "sudre": 1 - 2 * 0.7 / (2.3 + 0.3),  # w = (0, 1, 1): the same ratio
    "mean": 1 - (2.4 / 3.3 + 1 / 1.3) / 2,
}
FOCAL3_HAND = np.mean([-(0.3**2) * math.log(0.7), -(0.5**2) * math.log(0.5), -(0.3**2) * math.log(0.7)])


@pytest.mark.parametrize("dice", mm.DICE_VARIANTS)
def test_each_dice_variant_matches_hand_computation(dice: str) -> None:
    got = _loss(mm.LossConfig(alpha=1, dice=dice), Y3_TRUE, Y3_PRED)
    assert got == pytest.approx(DICE3_HAND[dice], abs=1e-5)


@pytest.mark.parametrize("dice", mm.DICE_VARIANTS)
def test_each_dice_variant_without_background_matches_hand_computation(dice: str) -> None:
    got = _loss(mm.LossConfig(alpha=1, dice=dice, exclude_background=True), Y3_TRUE, Y3_PRED)
    assert got == pytest.approx(DICE3_NO_BACKGROUND[dice], abs=1e-5)


@pytest.mark.parametrize("dice", mm.DICE_VARIANTS)
@pytest.mark.parametrize("alpha", [0.0, 0.25, 1.0])
def test_loss_mix_is_alpha_dice_plus_one_minus_alpha_focal(dice: str, alpha: float) -> None:
    config = mm.LossConfig(alpha=alpha, dice=dice)
    assert config.beta == pytest.approx(1 - alpha)
    expected = alpha * DICE3_HAND[dice] + (1 - alpha) * FOCAL3_HAND
    assert _loss(config, Y3_TRUE, Y3_PRED) == pytest.approx(expected, abs=1e-5)


def test_course_dice_with_equal_weights_is_one_minus_mean_true_class_probability() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, (2, 4, 6)).astype(np.int32)
    logits = rng.normal(size=(2, 4, 6, 5))
    y_pred = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
    p_true = np.take_along_axis(y_pred, y_true[..., None], axis=-1)
    assert _loss(mm.LossConfig(alpha=1), y_true, y_pred) == pytest.approx(1 - p_true.mean(), abs=1e-5)


def test_sudre_weights_come_from_each_batch() -> None:
    y_true = np.array([[[0, 0, 1]], [[0, 0, 1]], [[2, 0, 0]]], dtype=np.int32)
    third = [[0.1, 0.1, 0.8], [0.8, 0.1, 0.1], [0.8, 0.1, 0.1]]
    y_pred = np.array([Y3_PRED[0], Y3_PRED[0], [third]], dtype=np.float32)
    # n = (6, 2, 1), so w = (1/36, 1/4, 1); I = (4.0, 1.4, 0.8); T = (6 + 4.5, 2 + 2.9, 1 + 1.6).
    w, inter, total = np.array([1 / 36, 1 / 4, 1.0]), np.array([4.0, 1.4, 0.8]), np.array([10.5, 4.9, 2.6])
    expected = 1 - 2 * (w @ inter) / (w @ total)
    assert _loss(mm.LossConfig(alpha=1, dice="sudre"), y_true, y_pred) == pytest.approx(expected, abs=1e-5)


def _gain(dice: str, pixel: int, new_row: list[float]) -> float:
    better = Y3_PRED.copy()
    better[0, 0, pixel] = new_row
    config = mm.LossConfig(alpha=1, dice=dice)
    return _loss(config, Y3_TRUE, Y3_PRED) - _loss(config, Y3_TRUE, better)


def test_sudre_dice_rewards_a_rare_class_pixel_more_than_a_common_one_and_course_dice_does_not() -> None:
    """p(true) + 0.1 on the one class-1 pixel versus on a class-0 pixel."""
    rare, common = (2, [0.1, 0.8, 0.1]), (1, [0.6, 0.3, 0.1])
    assert _gain("course", *rare) == pytest.approx(0.1 / 3, abs=1e-5)  # 1 - mean p(true): all pixels alike
    assert _gain("course", *common) == pytest.approx(0.1 / 3, abs=1e-5)
    # Sudre by hand: 1 - 2/3.45 before, 1 - 2.2/3.525 (rare) and 1 - 2.05/3.375 (common) after.
    assert _gain("sudre", *rare) == pytest.approx(2.2 / 3.525 - 2 / 3.45, abs=1e-5)
    assert _gain("sudre", *common) == pytest.approx(2.05 / 3.375 - 2 / 3.45, abs=1e-5)
    assert _gain("sudre", *rare) > 1.5 * _gain("sudre", *common)


def test_exclude_background_drops_class_zero_from_both_terms() -> None:
    assert _loss(mm.LossConfig(alpha=1, beta=0, exclude_background=True)) == pytest.approx(1 - 1.2 / 1.8, abs=1e-5)
    focal = _loss(mm.LossConfig(alpha=0, beta=1, exclude_background=True))
    assert focal == pytest.approx(FOCAL_PIXELS[1] / 2, abs=1e-5)


def test_absent_class_and_hard_zeros_give_finite_losses() -> None:
    y_true = np.zeros((1, 2, 2), np.int32)  # only class 0 present
    perfect = np.zeros((1, 2, 2, 5), np.float32)
    perfect[..., 0] = 1.0
    for dice in mm.DICE_VARIANTS:
        assert _loss(mm.LossConfig(dice=dice), y_true, perfect) == pytest.approx(0.0, abs=1e-5), dice
        wrong = np.zeros((1, 2, 2, 5), np.float32)
        wrong[..., 4] = 1.0  # zero probability on the true class
        value = _loss(mm.LossConfig(dice=dice), y_true, wrong)
        assert np.isfinite(value) and value > 1.0, dice
        only_bg = _loss(mm.LossConfig(dice=dice, exclude_background=True), y_true, perfect)
        assert only_bg == pytest.approx(0.0, abs=1e-5), dice


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


@pytest.mark.parametrize("dice", mm.DICE_VARIANTS)
def test_every_dice_variant_has_a_finite_nonzero_gradient_with_an_absent_class(dice: str) -> None:
    import tensorflow as tf

    logits = tf.Variable(np.log(Y3_PRED))  # class 2 absent from the truth
    loss = mm.build_loss(mm.LossConfig(alpha=1, dice=dice), n_classes=3)
    with tf.GradientTape() as tape:
        value = loss(Y3_TRUE, tf.nn.softmax(logits))
    grad = tape.gradient(value, logits).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad[..., 2]).sum() > 0  # predicting the absent class costs


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
        ({"dice": "tversky"}, "dice must be one of ['course', 'sudre', 'mean'], got 'tversky'"),
        ({"alpha": 1.5}, "alpha must be in [0, 1], got 1.5"),
        ({"alpha": 0.3, "beta": 0.5}, "beta must be 1 - alpha = 0.7, got beta=0.5"),
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
    loss = mm.build_loss(mm.LossConfig(alpha=0.3, dice="sudre", exclude_background=True), n_classes=2)
    again = type(loss).from_config(loss.get_config())
    assert float(again(Y_TRUE, Y_PRED)) == pytest.approx(float(loss(Y_TRUE, Y_PRED)), abs=1e-7)
