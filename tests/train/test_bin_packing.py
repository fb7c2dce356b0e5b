import random

import pytest

from train.packing import first_fit_decreasing


def test_budgets_hold_every_sample_once_order_kept():
    rng = random.Random(0)
    lengths = [rng.randint(10, 900) for _ in range(300)]
    images = [rng.choice([0, 1, 1, 2]) for _ in range(300)]
    bins = first_fit_decreasing(lengths, images, max_length=1024, max_images=3)
    assert sorted(i for b in bins for i in b) == list(range(300))
    for members in bins:
        assert sum(lengths[i] for i in members) <= 1024
        assert sum(images[i] for i in members) <= 3
        assert members == sorted(members)
    assert [b[0] for b in bins] == sorted(b[0] for b in bins)
    # Packing must beat one sample per row by far on this mix, and stay near the lower bound.
    assert len(bins) <= 1.25 * max(sum(lengths) / 1024, sum(images) / 3) + 1


def test_image_budget_splits_rows_that_tokens_alone_would_share():
    assert first_fit_decreasing([10, 10, 10], [1, 1, 1], max_length=100, max_images=2) == [[0, 1], [2]]
    assert first_fit_decreasing([10, 10, 10], [1, 1, 1], max_length=100) == [[0, 1, 2]]


def test_a_sample_over_budget_says_what_to_raise():
    with pytest.raises(ValueError, match="raise `max_length`"):
        first_fit_decreasing([50, 200], [0, 0], max_length=100)


def test_flash_attention_refuses_packed_rows_side_by_side():
    from train.packing import check_layout

    with pytest.raises(ValueError, match="packing_in_one_row"):
        check_layout("flash_attention_2", padding_free=False)
    check_layout("flash_attention_2", padding_free=True)
    check_layout("sdpa", padding_free=False)
