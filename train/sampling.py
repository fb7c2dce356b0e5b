"""Drawing a fixed number of rows uniformly from several files without reading them all into memory."""

import random


def draw_rows(counts: dict[str, int], size: int, seed: int) -> dict[str, set[int]]:
    """Which row numbers of each part to take: `size` of all the parts' rows (all of them if fewer), drawn uniformly
    without replacement and fixed by `seed`; each part is then read once, in order, keeping its drawn rows."""
    total = sum(counts.values())
    chosen = sorted(random.Random(seed).sample(range(total), min(size, total)))
    picks, start, position = {}, 0, 0
    for name, count in counts.items():
        end, taken = start + count, set()
        while position < len(chosen) and chosen[position] < end:
            taken.add(chosen[position] - start)
            position += 1
        picks[name], start = taken, end
    return picks
