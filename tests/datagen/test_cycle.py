from collections import Counter

from datagen.tasks.cycle import from_cycles


def test_every_block_of_the_cycles_length_holds_each_combination_once():
    cycles = (("a", "b", "c"), (True, False), range(4))
    for start in (0, 5, 17):  # any block, not only those aligned on a multiple of the period
        picks = Counter(from_cycles(index, *cycles) for index in range(start, start + 24))
        assert len(picks) == 24 and set(picks.values()) == {1}, picks
    # The first cycle turns fastest: six consecutive samples hold each of its entries twice.
    assert Counter(from_cycles(index, *cycles)[0] for index in range(7, 13)) == {"a": 2, "b": 2, "c": 2}
