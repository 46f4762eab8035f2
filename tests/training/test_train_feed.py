"""The training data feed (strings made in processes, epochs replayed) and the time-aware schedule."""
import time

import keras
import numpy as np
import pytest

from training.fitting.train import CosineSchedule, SyntheticBatches, TrainConfig
from training.models import builders as models
from training.scenes.synth import SequenceGenerator, SynthConfig


@pytest.fixture
def small_generator(train_digits):
    return SequenceGenerator(train_digits, SynthConfig(max_length=4), seed=11)


def _feed(generator, epoch=0, **overrides) -> SyntheticBatches:
    config = TrainConfig(**{"batch_size": 4, "steps_per_epoch": 3, "max_length": 4, "workers": 0, **overrides})
    return SyntheticBatches(generator, config, epoch)


def _batches(feed: SyntheticBatches) -> list[np.ndarray]:
    return [feed[i][0] for i in range(len(feed))]


def test_strings_made_in_spawned_processes_are_the_ones_made_here(small_generator):
    here, pooled = _feed(small_generator), _feed(small_generator, processes=2)
    try:
        for index in range(3):
            (a, labels_a), (b, labels_b) = here[index], pooled[index]
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(labels_a, labels_b)
    finally:
        pooled.close()


def test_reuse_replays_an_epochs_batches_in_another_order_then_makes_new_ones(small_generator):
    feed = _feed(small_generator, reuse=2, steps_per_epoch=8)
    first = _batches(feed)
    feed.on_epoch_end()
    replayed = _batches(feed)
    feed.on_epoch_end()
    fresh = _batches(feed)
    key = lambda batches: sorted(b.tobytes() for b in batches)  # noqa: E731
    assert key(replayed) == key(first)
    assert [b.tobytes() for b in replayed] != [b.tobytes() for b in first]
    assert not set(key(fresh)) & set(key(first))
    assert {k[0] for k in feed.cache} == {1}  # the replayed epoch's batches were let go


def test_without_reuse_every_epoch_is_new_and_nothing_is_kept(small_generator):
    feed = _feed(small_generator)
    first = _batches(feed)
    feed.on_epoch_end()
    assert not {b.tobytes() for b in first} & {b.tobytes() for b in _batches(feed)}
    assert feed.cache == {}


@pytest.mark.parametrize("overrides", [{"reuse": 0}, {"processes": -1}])
def test_train_config_rejects_a_bad_reuse_or_process_count(overrides):
    with pytest.raises(ValueError, match="--reuse must be 1 or more"):
        TrainConfig(**overrides)


def _learning_rate_after(schedule: CosineSchedule, epoch: int) -> float:
    model = models.build("cnn")
    model.compile(optimizer=keras.optimizers.Adam(1.0), loss="mse")
    schedule.set_model(model)
    schedule.on_epoch_begin(epoch)
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def test_the_schedule_follows_epochs_without_a_time_budget():
    assert _learning_rate_after(CosineSchedule(1e-3, epochs=5), 0) == pytest.approx(1e-3)
    assert _learning_rate_after(CosineSchedule(1e-3, epochs=5), 4) == pytest.approx(5e-5)


def test_with_a_time_budget_the_schedule_follows_the_clock_when_it_is_further_along():
    half_spent = CosineSchedule(1e-3, epochs=1000, minutes=10, already_spent_s=300)
    assert _learning_rate_after(half_spent, 0) == pytest.approx(1e-3 * (0.05 + 0.95 * 0.5), rel=0.01)
    spent = CosineSchedule(1e-3, epochs=1000, minutes=1, already_spent_s=120)
    assert _learning_rate_after(spent, 0) == pytest.approx(5e-5)
    fresh = CosineSchedule(1e-3, epochs=3, minutes=60)
    assert _learning_rate_after(fresh, 2) == pytest.approx(5e-5)  # epochs further along than the clock
    assert time.time() - fresh.started < 60


def test_crnn_wide_reads_eight_pixel_columns_and_the_builder_checks_the_width():
    assert models.build("crnn-wide").output_shape == (None, 32, 11)
    assert models.build("crnn").output_shape == (None, 64, 11)
    with pytest.raises(ValueError, match="column_width must be 4 or 8"):
        models.build_crnn(column_width=6)


@pytest.fixture(scope="module")
def default_model():
    from training.core import store

    return store.load_model(store.find(None))


def _some_digits(train_digits, count=256):
    """``count`` training digits, the first 8 given a wrong label (the next digit): no model reads those right."""
    part = train_digits.subset(np.arange(count), "part")
    part.labels[:8] = (part.labels[:8] + 1) % 10
    return part


def test_digit_confidence_is_high_for_digits_read_right_and_zero_for_those_read_wrong(train_digits, default_model):
    from training.fitting import evaluate

    confidence = evaluate.digit_confidence(default_model.predict_on_batch, _some_digits(train_digits), "ctc")
    assert confidence.shape == (256,) and np.all(confidence[:8] == 0.0)
    assert np.median(confidence[8:]) > 0.95


def test_hard_digits_are_repeated_until_they_have_their_share_of_the_picks(train_digits, default_model):
    from training.fitting.train import emphasize_hard_digits

    part = _some_digits(train_digits)
    pool = emphasize_hard_digits(default_model, part, 0.3, "ctc")
    counts = np.bincount([int(np.flatnonzero((part.images == image).all(axis=(1, 2)))[0]) for image in pool.images],
                         minlength=256)
    hard = np.flatnonzero(counts > 1)
    assert set(range(8)) <= set(hard) and len(hard) < 40  # the mislabelled ones, and few others
    assert counts[hard].sum() / counts.sum() == pytest.approx(0.3, abs=0.05)
    assert np.array_equal(pool.labels[:256], part.labels) and pool.source.startswith("part+")
    with pytest.raises(ValueError, match="hard-digits.*1.0"):
        TrainConfig(hard_digits=1.0)


def test_hard_digits_need_a_trained_model_to_judge_them():
    from training.fitting.train import train

    with pytest.raises(ValueError, match="--init-from or --resume"):
        train(TrainConfig.tiny(hard_digits=0.1))
