"""TensorFlow without its start-up noise: ``python -m webapp ...`` and ``python -m training ...`` call
``quiet_tensorflow()`` before anything imports TensorFlow.

TensorFlow's native libraries write their start-up lines (oneDNN, CUDA drivers, absl's "before
InitializeLog") straight to file descriptor 2 while they load, before TF_CPP_MIN_LOG_LEVEL is
consulted, so the only way to keep them off the terminal is to point descriptor 2 elsewhere while
TensorFlow loads. What was written is shown if loading fails. ``--verbose`` on either command, or
TF_CPP_MIN_LOG_LEVEL set below 2, keeps them.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile

QUIET_LEVEL = 2  # TF_CPP_MIN_LOG_LEVEL: warnings and errors only, once loaded


def wants_startup_log(verbose: bool = False) -> bool:
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "")
    return verbose or (level.isdigit() and int(level) < QUIET_LEVEL)


@contextlib.contextmanager
def native_stderr_captured():
    """Descriptor 2 goes to a temporary file meanwhile; its text is written out if the block raises."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def quiet_tensorflow(verbose: bool = False) -> None:
    """Load TensorFlow and Keras now, and find the devices, with their start-up lines kept off the terminal."""
    if wants_startup_log(verbose):
        if verbose:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = str(QUIET_LEVEL)
    with native_stderr_captured():
        import keras

        if keras.backend.backend() == "tensorflow":  # a GPU box may train with KERAS_BACKEND=jax and no TensorFlow
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # loads the CUDA stubs, which say "no driver" on a CPU machine
