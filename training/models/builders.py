"""Model builders: pure functions returning a named ``keras.Model`` that outputs logits.

Every model takes float32 (batch, 32, 256, 1) lines from ``preprocess.normalize_line`` and
returns logits (batch, steps, 11): class 0 is "blank / no digit", class d + 1 is digit d.
- ``cnn`` and ``gru`` have one head per position (steps = max_length): "positional" decoding.
- ``crnn`` emits one prediction per 4-pixel column (steps = 64), ``crnn-wide`` per 8-pixel column
  (steps = 32): CTC decoding.
Losses live in ``training.fitting.train``; decoding (numpy, no TensorFlow) lives in ``training.core.decode``.
"""
from __future__ import annotations

from typing import Callable

import keras
import numpy as np
from keras import layers

from training.core.alphabet import NUM_CLASSES
# the rescorer's ensemble and folding live in the core (the app folds what it loads); named here for training too
from training.core.folding import digit_ensemble, ensemble_members, fold_batch_norm, without_optimizer  # noqa: F401
from training.core.preprocess import INPUT_HEIGHT, INPUT_SHAPE, INPUT_WIDTH
from training.core.segment import CROP_SIZE


def build_cnn(max_length: int = 8, dropout: float = 0.25) -> keras.Model:
    """The write-up's CNN (conv 16, pool, dropout, conv 32, pool, dropout, dense 128, dropout),
    one 11-way head per position; the extra class lets it read 1..max_length digits."""
    inputs = keras.Input(INPUT_SHAPE, name="line")
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)  # (8, 64, 32)
    x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(max_length * NUM_CLASSES)(x)
    logits = layers.Reshape((max_length, NUM_CLASSES), name="logits")(x)
    return keras.Model(inputs, logits, name="cnn")


def build_gru(max_length: int = 8, units: int = 128) -> keras.Model:
    """The write-up's RNN: a GRU reads the image column by column (a row of the transposed
    line), its final state feeds one 11-way head per position."""
    inputs = keras.Input(INPUT_SHAPE, name="line")
    x = layers.Reshape((INPUT_HEIGHT, INPUT_WIDTH))(inputs)
    x = layers.Permute((2, 1))(x)  # (256 steps, 32 features): one step per pixel column
    x = layers.GRU(units)(x)
    x = layers.Dense(max_length * NUM_CLASSES)(x)
    logits = layers.Reshape((max_length, NUM_CLASSES), name="logits")(x)
    return keras.Model(inputs, logits, name="gru")


def _conv_block(x, filters: int, pool: tuple[int, int]):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return layers.MaxPooling2D(pool)(x)


def build_crnn(max_length: int = 8, filters: tuple[int, ...] = (16, 32, 64, 96), rnn_units: int = 64,
               dropout: float = 0.2, column_width: int = 4, name: str = "crnn",
               num_classes: int = NUM_CLASSES) -> keras.Model:
    """CNN-RNN hybrid: convolutions, then a bidirectional GRU reads the columns left to right;
    trained with CTC, it reads any number of characters that fits the width (``max_length``
    is kept only for the card). One step per ``column_width`` input pixels (4 or 8); ``num_classes``:
    the blank plus the alphabet's characters (11 for digits, 20 with separators and the space)."""
    if column_width not in (4, 8):
        raise ValueError(f"column_width must be 4 or 8 pixels, got {column_width}")
    if num_classes < 2:
        raise ValueError(f"num_classes counts the blank and at least one character, got {num_classes}")
    inputs = keras.Input(INPUT_SHAPE, name="line")
    x = _conv_block(inputs, filters[0], (2, 2))  # (16, 128)
    x = _conv_block(x, filters[1], (2, 2))  # (8, 64)
    x = _conv_block(x, filters[2], (2, column_width // 4))  # (4, 64) or (4, 32)
    x = _conv_block(x, filters[3], (4, 1))  # (1, steps)
    x = layers.Reshape((INPUT_WIDTH // column_width, filters[3]))(x)  # (steps, features)
    x = layers.Dropout(dropout)(x)
    x = layers.Bidirectional(layers.GRU(rnn_units, return_sequences=True))(x)
    x = layers.Dropout(dropout)(x)
    logits = layers.Dense(num_classes, name="logits")(x)  # (steps, classes)
    return keras.Model(inputs, logits, name=name)


def build_crnn_wide(max_length: int = 8, num_classes: int = NUM_CLASSES) -> keras.Model:
    """``crnn`` with wider convolutions and GRU, reading 8-pixel columns (32 steps, still 3+ per digit).
    Halving the steps pays for the width: about as fast on a CPU as ``crnn``, with 1.8x its weights."""
    return build_crnn(max_length, filters=(16, 32, 80, 128), rnn_units=96, column_width=8, name="crnn-wide",
                      num_classes=num_classes)


NEW_CLASS_BIAS = -2.0  # a widened head's new characters start this far below its lowest class: rarely read at first


def widened_head(model: keras.Model, num_classes: int, seed: int = 0) -> keras.Model:
    """A CTC line model reading more characters: the same layers and weights, its ``logits`` layer grown to
    ``num_classes`` outputs. The old classes keep their weights (an alphabet only grows at its end), the new
    start with small random weights and a low bias, so the widened model reads digits as the old one did."""
    head = model.get_layer("logits")
    kernel, bias = head.get_weights()  # (features, old classes), (old classes,)
    if num_classes < kernel.shape[1]:
        raise ValueError(f"a head only grows: the model has {kernel.shape[1]} classes, received {num_classes}")
    new = num_classes - kernel.shape[1]
    rng = np.random.default_rng(seed)
    wider = layers.Dense(num_classes, name="logits")
    logits = wider(head.input)
    wider.set_weights([np.concatenate([kernel, rng.normal(0, 0.02, (kernel.shape[0], new))], axis=1),
                       np.concatenate([bias, np.full(new, bias.min() + NEW_CLASS_BIAS)])])
    return keras.Model(model.inputs[0], logits, name=model.name)


def build_digit(width: int = 32, dropout: float = 0.3) -> keras.Model:
    """The rescorer: reads one digit at MNIST's framing, float32 (batch, 28, 28, 1) from
    ``segment.digit_crops``, and returns logits (batch, 10) for the digits 0-9. Two pairs of 3x3
    convolutions and a third stage, then global average pooling: a small, strong MNIST classifier."""
    inputs = keras.Input((CROP_SIZE, CROP_SIZE, 1), name="digit")
    x = inputs
    for filters, pool in ((width, False), (width, True), (2 * width, False), (2 * width, True), (4 * width, False)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        if pool:
            x = layers.MaxPooling2D(2)(x)  # 28 -> 14 -> 7
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, logits, name="digit")


# name -> (builder, decoder)
REGISTRY: dict[str, tuple[Callable[..., keras.Model], str]] = {
    "cnn": (build_cnn, "positional"),
    "gru": (build_gru, "positional"),
    "crnn": (build_crnn, "ctc"),
    "crnn-wide": (build_crnn_wide, "ctc"),
}


# name -> builder of a digit rescorer (``training.core.rescore``): one digit crop in, 10 logits out
RESCORERS: dict[str, Callable[..., keras.Model]] = {"digit": build_digit}


def build(name: str, **kwargs) -> keras.Model:
    """Build a registered architecture by name."""
    if name not in REGISTRY:
        raise KeyError(f"unknown architecture {name!r}; registered: {', '.join(REGISTRY)}")
    return REGISTRY[name][0](**kwargs)


def decoder_for(name: str) -> str:
    return REGISTRY[name][1]
