"""The learned number detector's network and the maps it learns; its input and its map -> boxes (what serving
needs) are ``training.core.detector``.

- ``build_detector()``: a U-Net-like FCN, float32 (n, H, W, 1) -> logits (n, H/4, W/4, 1): is this cell inside
  a number's *kernel*, the number's box shrunk by ``SHRINK`` of its height on every side.
- ``target_maps(...)``: the kernel map and the loss weights a scene's boxes give (ignored boxes weigh 0).
"""
from __future__ import annotations

import numpy as np

from training.core.detector import SHRINK, STRIDE

WIDTHS = (8, 16, 32, 48)  # channels at strides 2, 4, 8 and 16


# --- the network ---------------------------------------------------------------------------------

def build_detector(widths: tuple[int, int, int, int] = WIDTHS):
    """float32 (n, H, W, 1) in 0..1 (H, W multiples of 16) -> kernel logits (n, H/4, W/4, 1).

    Encoder at strides 2-16, decoder back to 4 with skip connections; no batch normalisation (nothing to
    fold for inference, and a network this small trains well without it)."""
    import keras
    from keras import layers

    if len(widths) != 4 or min(widths) < 1:
        raise ValueError(f"widths are 4 channel counts (strides 2, 4, 8, 16), each 1 or more. Received: {widths}")

    def conv(x, filters, strides=1):
        return layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu")(x)

    inputs = keras.Input((None, None, 1), name="picture")
    x = layers.Rescaling(2.0, offset=-1.0)(inputs)  # 0..1 -> -1..1
    s2 = conv(x, widths[0], 2)
    s4 = conv(conv(s2, widths[1], 2), widths[1])
    s8 = conv(conv(s4, widths[2], 2), widths[2])
    s16 = conv(conv(s8, widths[3], 2), widths[3])
    up8 = conv(layers.Concatenate()([layers.UpSampling2D(2)(s16), s8]), widths[2])
    up4 = conv(layers.Concatenate()([layers.UpSampling2D(2)(up8), s4]), widths[1])
    logits = layers.Conv2D(1, 1, name="kernels")(up4)
    return keras.Model(inputs, logits, name="number-detector")


# --- targets -------------------------------------------------------------------------------------

def kernel_of(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box (x, y, w, h) less ``SHRINK`` of its height on every side (at least a sliver is left)."""
    x, y, w, h = box
    cut = SHRINK * h
    kw, kh = max(w - 2 * cut, 0.2 * w), max(h - 2 * cut, 0.2 * h)
    return x + (w - kw) / 2, y + (h - kh) / 2, kw, kh


def _cells(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """The map cells a working-pixel box covers (x0, y0, x1, y1), at least one."""
    x, y, w, h = box
    x0, y0 = int(np.floor(x / STRIDE)), int(np.floor(y / STRIDE))
    return x0, y0, max(x0 + 1, int(np.ceil((x + w) / STRIDE))), max(y0 + 1, int(np.ceil((y + h) / STRIDE)))


def target_maps(boxes: list, ignore: list, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The kernel map (h/4, w/4) in {0, 1} and the loss weights: 0 over ignored boxes and over the ring between
    a kernel and its box (either answer is fine there), 1 elsewhere."""
    rows, cols = shape[0] // STRIDE, shape[1] // STRIDE
    target, weight = np.zeros((rows, cols), np.float32), np.ones((rows, cols), np.float32)
    for box in ignore:
        x0, y0, x1, y1 = _cells(box)
        weight[max(0, y0) : y1, max(0, x0) : x1] = 0.0
    for box in boxes:
        x0, y0, x1, y1 = _cells(box)
        weight[max(0, y0) : y1, max(0, x0) : x1] = 0.0
    for box in boxes:
        x0, y0, x1, y1 = _cells(_inner(kernel_of(box)))
        target[max(0, y0) : y1, max(0, x0) : x1] = 1.0
        weight[max(0, y0) : y1, max(0, x0) : x1] = 1.0
    return target, weight


def _inner(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The cells wholly inside a box, rounded inwards by half a cell (a kernel never spills into its ring)."""
    x, y, w, h = box
    half = STRIDE / 2
    return x + min(half, w / 2 - 0.5), y + min(half, h / 2 - 0.5), max(1.0, w - 2 * half), max(1.0, h - 2 * half)
