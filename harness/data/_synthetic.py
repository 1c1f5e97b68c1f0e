"""Procedural Mars terrain in the course's format, vectorised NumPy, deterministic for a seed.

Classes and their textures: 0 background (smooth bright sky gradient, or dark striped rover
parts; a few images are all rover and all background), 1 soil (fine-grained noise),
2 bedrock (dark layered blocks), 3 sand (bright ripples), 4 big rock (bright shaded
ellipses with a dark shadow; under 2% of pixels). A share of training images are "alien"
outliers: a creature drawn on the picture, and all of them share one mask, which also
belongs to one genuine image (as in the course's data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.data._data_io import MarsData

HEIGHT, WIDTH = 64, 128
CHUNK = 256
MIN_SYNTHETIC_TRAIN = 2  # the fewest training images the generator draws (one per split side)
SOIL, BEDROCK, SAND, BIG_ROCK = 1, 2, 3, 4


@dataclass(frozen=True)
class SceneParams:
    """Probabilities and shares of the generator (defaults give real-data-like class shares)."""

    p_sky: float = 0.45
    p_rover: float = 0.2
    p_rock: float = 0.15
    unlabelled_share: float = 0.015
    alien_share: float = 0.04


def _interp_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) linear-interpolation weights for upsampling a coarse grid."""
    pos = np.linspace(0, n_in - 1, n_out)
    low = np.clip(np.floor(pos).astype(int), 0, n_in - 2)
    frac = pos - low
    mat = np.zeros((n_out, n_in), np.float32)
    mat[np.arange(n_out), low] = 1 - frac
    mat[np.arange(n_out), low + 1] = frac
    return mat


def _smooth(rng: np.random.Generator, shape: tuple[int, ...], cells: tuple[int, int]) -> np.ndarray:
    """Smooth random fields (*shape, H, W) with unit-ish amplitude, from a coarse grid of `cells`."""
    coarse = rng.standard_normal((*shape, *cells), dtype=np.float32)
    return _interp_matrix(HEIGHT, cells[0]) @ coarse @ _interp_matrix(WIDTH, cells[1]).T


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n).astype(np.float32)[:, None, None]


def _terrain_classes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Soil / bedrock / sand regions from the argmax of three smooth fields with per-image bias."""
    fields = _smooth(rng, (n, 3), (3, 6)) + rng.normal(0, 0.8, (n, 3, 1, 1)).astype(np.float32)
    return (np.argmax(fields, axis=1) + SOIL).astype(np.uint8)


def _textures(rng: np.random.Generator, n: int, yy: np.ndarray, xx: np.ndarray) -> dict[int, np.ndarray]:
    """One full-frame float texture per class and image."""
    noise = rng.standard_normal((n, HEIGHT, WIDTH), dtype=np.float32)
    wobble = _smooth(rng, (n,), (4, 8))
    blocks = np.repeat(np.repeat(rng.normal(0, 1, (n, 8, 16)).astype(np.float32), 8, axis=1), 8, axis=2)
    layer = np.sign(np.sin(2 * np.pi * (yy + 2.5 * wobble) / _uniform(rng, 6, 11, n)))
    theta = _uniform(rng, -0.5, 0.5, n)
    ripple = np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / _uniform(rng, 3.5, 6.5, n)
                    + _uniform(rng, 0, 2 * np.pi, n))
    return {
        SOIL: 110 + 24 * noise + 8 * wobble,
        BEDROCK: 80 + 18 * layer + 14 * blocks + 5 * noise,
        SAND: 155 + 20 * ripple + 4 * noise,
        0: 60 + 30 * ((xx % 6) < 2) + 3 * noise,  # rover parts; sky is drawn separately
    }


def _ellipses(cy: np.ndarray, cx: np.ndarray, ry: np.ndarray, rx: np.ndarray,
              yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Normalised squared radius (n, k, H, W) of k ellipses per image (<1 is inside)."""
    dy = (yy - cy[..., None, None]) / ry[..., None, None]
    dx = (xx - cx[..., None, None]) / rx[..., None, None]
    return dy * dy + dx * dx


def _grid() -> tuple[np.ndarray, np.ndarray]:
    """Row (H,1) and column (1,W) coordinates."""
    return np.arange(HEIGHT, dtype=np.float32)[:, None], np.arange(WIDTH, dtype=np.float32)[None, :]


def _add_rocks(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, params: SceneParams,
               grain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up to two bright shaded elliptic rocks per image, each with a dark shadow down-right."""
    yy, xx = _grid()
    n, k = len(image), 2
    horizon = rng.uniform(20, 36, (n, 1)).astype(np.float32)
    cy = rng.uniform(horizon, HEIGHT - 3, (n, k)).astype(np.float32)
    cx = rng.uniform(6, WIDTH - 6, (n, k)).astype(np.float32)
    ry, rx = rng.uniform(3, 10, (n, k)).astype(np.float32), rng.uniform(4, 16, (n, k)).astype(np.float32)
    present = ((rng.random((n, 1)) < params.p_rock) & (rng.random((n, k)) < np.array([1.0, 0.4])))[..., None, None]
    shadow = _ellipses(cy + 0.5 * ry, cx + 0.6 * rx, ry, rx, yy, xx) < 1
    image = np.where((shadow & present).any(axis=1), 0.35 * image, image)
    r2 = _ellipses(cy, cx, ry, rx, yy, xx)
    inside = (r2 < 1) & present
    is_rock = inside.any(axis=1)
    image = np.where(is_rock, np.where(inside, 205 + 35 * (1 - r2), 0).max(axis=1) + 4 * grain, image)
    return image, np.where(is_rock, BIG_ROCK, mask).astype(np.uint8)


def _add_background(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, params: SceneParams,
                    rover_tex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sky above a tilted horizon and rover parts in a bottom corner (or the whole frame): class 0."""
    yy, xx = _grid()
    n = len(image)
    sky_line = _uniform(rng, 4, 22, n) + _uniform(rng, -0.1, 0.1, n) * (xx - WIDTH / 2)
    sky = (rng.random((n, 1, 1)) < params.p_sky) & (yy < sky_line)
    sky_tex = 185 - 25 * yy / np.maximum(sky_line, 1) + 2 * rng.standard_normal((n, 1, WIDTH), dtype=np.float32)
    side = rng.random((n, 1, 1)) < 0.5
    edge = _uniform(rng, 20, 50, n)
    rover = ((rng.random((n, 1, 1)) < params.p_rover) & (yy > _uniform(rng, 30, 50, n))
             & np.where(side, xx < edge, xx > WIDTH - edge))
    rover |= (rng.random((n, 1, 1)) < params.unlabelled_share) & ~sky
    image = np.where(sky, sky_tex, np.where(rover, rover_tex, image))
    return image, np.where(sky | rover, 0, mask).astype(np.uint8)


def _scenes(rng: np.random.Generator, n: int, params: SceneParams) -> tuple[np.ndarray, np.ndarray]:
    """n genuine images (float, before clipping) and masks (uint8)."""
    yy, xx = _grid()
    mask = _terrain_classes(rng, n)
    tex = _textures(rng, n, yy, xx)
    image = np.choose(mask - SOIL, [tex[SOIL], tex[BEDROCK], tex[SAND]])
    image, mask = _add_rocks(rng, image, mask, params, tex[SAND] / 20)
    image, mask = _add_background(rng, image, mask, params, tex[0])
    return image * _uniform(rng, 0.8, 1.2, n) + _uniform(rng, -15, 15, n), mask


def _draw_aliens(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Draw a creature (bright head, dark eyes, antennae, body) on each image."""
    n = len(image)
    yy, xx = _grid()
    r = _uniform(rng, 7, 13, n)
    cy, cx = _uniform(rng, 18, 40, n), _uniform(rng, 15, WIDTH - 15, n)
    head = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
    body = (yy > cy) & (np.abs(xx - cx) < 0.45 * r)
    eyes = ((yy - cy) ** 2 / (0.25 * r) ** 2 + (np.abs(xx - cx) - 0.4 * r) ** 2 / (0.3 * r) ** 2) < 1
    up = (yy < cy - 0.8 * r) & (yy > cy - 1.8 * r)
    antennae = up & (np.abs(np.abs(xx - cx) - 0.5 * (cy - yy)) < 0.8)
    bright = _uniform(rng, 200, 250, n)
    image = np.where(head | body | antennae, bright - 0.1 * (yy - cy), image)
    return np.where(eyes, 20.0, image)


def _generate(rng: np.random.Generator, n: int, params: SceneParams) -> tuple[np.ndarray, np.ndarray]:
    images = np.empty((n, HEIGHT, WIDTH), np.uint8)
    masks = np.empty((n, HEIGHT, WIDTH), np.uint8)
    for start in range(0, n, CHUNK):
        img, msk = _scenes(rng, min(CHUNK, n - start), params)
        images[start:start + len(img)] = np.clip(np.rint(img), 0, 255)
        masks[start:start + len(img)] = msk
    return images, masks


def n_aliens(n_train: int, params: SceneParams = SceneParams()) -> int:
    """How many alien outliers a training set gets: none below 100 images, else at least 10."""
    if n_train < 100:
        return 0
    return max(10, int(round(params.alien_share * n_train)))


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Generated data and the ground truth of its injected outliers."""

    data: MarsData
    alien_indices: np.ndarray
    alien_source: int


def synthesize_with_aliens(n_train: int = 1200, n_test: int = 200, seed: int = 0,
             params: SceneParams = SceneParams()) -> SyntheticData:
    """Synthetic Mars data and where its aliens are; deterministic for (n_train, n_test, seed, params)."""
    if n_train < MIN_SYNTHETIC_TRAIN or n_test < 0:
        raise ValueError(f"need n_train >= {MIN_SYNTHETIC_TRAIN} and n_test >= 0, got n_train={n_train}, n_test={n_test}")
    train_rng, test_rng, alien_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    images, masks = _generate(train_rng, n_train, params)
    test_images, _ = _generate(test_rng, n_test, params)
    k = n_aliens(n_train, params)
    aliens, source = np.zeros(0, np.int64), -1
    if k:
        order = alien_rng.permutation(n_train)
        labelled = order[masks[order].reshape(n_train, -1).any(axis=1)]
        source, aliens = int(labelled[0]), np.sort(labelled[1:k + 1])
        masks[aliens] = masks[source]
        images[aliens] = np.clip(np.rint(_draw_aliens(alien_rng, images[aliens].astype(np.float32))), 0, 255)
    data = MarsData(images, masks, test_images, source=f"synthetic(n_train={n_train}, n_test={n_test}, seed={seed})")
    return SyntheticData(data, aliens, source)


def synthesize(n_train: int = 1200, n_test: int = 200, seed: int = 0,
               params: SceneParams = SceneParams()) -> MarsData:
    """Synthetic Mars data; the same (n_train, n_test, seed) always gives the same arrays."""
    return synthesize_with_aliens(n_train, n_test, seed, params).data
