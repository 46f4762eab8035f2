import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def train_digits():
    from training.sources import datasets

    return datasets.train_validation_split(datasets.load_train_digits(allow_download=False))[0]


@pytest.fixture(scope="session")
def test_digits():
    from training.sources import datasets

    return datasets.load_test_digits()


@pytest.fixture
def line_batch():
    """A fixed batch of 8 normalised lines and their texts, from the validation digits."""
    from training.scenes import synth
    from training.sources import datasets

    _, validation = datasets.train_validation_split(datasets.load_train_digits(allow_download=False))
    generator = synth.SequenceGenerator(validation, synth.SynthConfig(max_length=4), seed=3)
    inputs, texts = generator.batch(8, 0)
    return inputs.astype(np.float32), texts
