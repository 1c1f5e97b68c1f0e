"""The synthetic Mars generator: deterministic, realistic class shares, distinct textures, learnable."""

from __future__ import annotations

import numpy as np
import pytest

from harness.data import DataConfig, synthesize_with_aliens, make_datasets, synthesize

CLASSES = range(5)


def test_same_seed_gives_identical_arrays_and_another_seed_differs() -> None:
    a, b, c = synthesize(40, 6, seed=3), synthesize(40, 6, seed=3), synthesize(40, 6, seed=4)
    for name in ("images", "masks", "test_images"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.images, c.images)


def test_shapes_dtypes_and_class_shares_look_like_the_course_data() -> None:
    data = synthesize(300, 20, seed=0)
    assert data.images.shape == data.masks.shape == (300, 64, 128) and data.test_images.shape == (20, 64, 128)
    share = np.bincount(data.masks.ravel(), minlength=5) / data.masks.size
    assert all(share > 0) and share[4] < 0.02
    assert all(share[1:4] > 0.1)


def test_each_class_has_its_own_texture() -> None:
    data = synthesize(200, 0, seed=1)
    image = data.images.astype(np.float32)
    roughness = np.abs(np.diff(image, axis=2))  # horizontal gradient between neighbours
    inner = data.masks[:, :, 1:] == data.masks[:, :, :-1]
    mean = {c: image[data.masks == c].mean() for c in CLASSES}
    rough = {c: roughness[inner & (data.masks[:, :, 1:] == c)].mean() for c in CLASSES}
    assert mean[2] < mean[1] < mean[3] < mean[4]  # dark bedrock, mid soil, bright sand, brightest rock
    assert rough[1] > 1.5 * rough[2] and rough[1] > 1.5 * rough[3]  # fine-grained soil is roughest


def test_aliens_share_one_mask_with_a_genuine_image_and_look_different() -> None:
    synthetic = synthesize_with_aliens(250, 0, seed=2)
    data, aliens = synthetic.data, synthetic.alien_indices
    assert len(aliens) == 10 and synthetic.alien_source not in aliens
    assert (data.masks[aliens] == data.masks[synthetic.alien_source]).all()
    genuine = np.setdiff1d(np.arange(250), aliens)
    eyes_dark = (data.images[aliens] < 30).mean()
    assert eyes_dark > (data.images[genuine] < 30).mean()


@pytest.mark.slow
def test_a_tiny_unet_clearly_beats_chance_in_a_few_epochs() -> None:
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    data = synthesize(400, 0, seed=0)
    train, val, info = make_datasets(data, DataConfig(geometric=False, max_val_images=64), batch_size=16)
    inputs = keras.Input((64, 128, 1))
    skip = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    deep = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(keras.layers.MaxPooling2D(4)(skip))
    deep = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(deep)
    merged = keras.layers.Concatenate()([skip, keras.layers.UpSampling2D(4)(deep)])
    merged = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(merged)
    model = keras.Model(inputs, keras.layers.Conv2D(5, 1, activation="softmax")(merged))
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(train, epochs=3, verbose=0, shuffle=False)
    pred = model.predict(val, verbose=0).argmax(-1)
    truth = info.val_masks
    ious = [((pred == c) & (truth == c)).sum() / max(((pred == c) | (truth == c)).sum(), 1) for c in range(1, 4)]
    majority = np.bincount(truth.ravel(), minlength=5).max() / truth.size
    print(f"accuracy {(pred == truth).mean():.3f} (majority {majority:.3f}), IoU soil/bedrock/sand {ious}")
    assert (pred == truth).mean() > majority + 0.25
    assert np.mean(ious) > 0.4  # chance (uniform guessing) is about 0.1 per class
