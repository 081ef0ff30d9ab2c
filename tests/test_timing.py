import time

import pytest

from d2lutils import Accumulator, Timer


def test_timer_records_intervals():
    timer = Timer()
    time.sleep(0.01)
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert first >= 0.01 and second < first
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_timer_avg_without_intervals_is_an_error():
    with pytest.raises(ValueError, match="no interval"):
        Timer().avg()


def test_accumulator_sums_and_resets():
    acc = Accumulator(3)
    acc.add(1, 2.5, 3)
    acc.add(1, 0.5, 7)
    assert acc.data == [2.0, 3.0, 10.0] and acc[1] == 3.0 and len(acc) == 3
    acc.reset()
    assert acc.data == [0.0, 0.0, 0.0]


def test_accumulator_rejects_bad_input():
    with pytest.raises(ValueError, match="positive int"):
        Accumulator("3")
    with pytest.raises(ValueError, match="expected 2 values"):
        Accumulator(2).add(1)
