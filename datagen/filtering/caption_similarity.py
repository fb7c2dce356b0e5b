"""Choosing captions to fuse: bag-of-words similarity, outliers out, the most dissimilar three kept."""

import itertools
import math
import re
import statistics
from collections import Counter


_WORD = re.compile(r"[\wÀ-ÿ]{3,}")


def _bag(text: str) -> Counter:
    return Counter(word.lower() for word in _WORD.findall(text))


def cosine(a: str, b: str) -> float:
    bag_a, bag_b = _bag(a), _bag(b)
    dot = sum(bag_a[word] * bag_b[word] for word in bag_a)
    norm = math.sqrt(sum(v * v for v in bag_a.values())) * math.sqrt(sum(v * v for v in bag_b.values()))
    return dot / norm if norm else 0.0


def similarity_matrix(captions: list[str]) -> list[list[float]]:
    return [[cosine(a, b) for b in captions] for a in captions]


def without_outliers(captions: list[str], z: float = 1.0) -> list[int]:
    """Indices of captions whose mean similarity to the others is not ``z`` deviations below the mean.

    An outlier is a caption the other models do not corroborate: likely a hallucination or a failure.
    """
    if len(captions) < 4:
        return list(range(len(captions)))
    matrix = similarity_matrix(captions)
    means = [(sum(row) - row[i]) / (len(row) - 1) for i, row in enumerate(matrix)]
    centre, spread = statistics.mean(means), statistics.pstdev(means)
    return [i for i, value in enumerate(means) if value >= centre - z * spread]


def most_dissimilar(captions: list[str], indices: list[int], k: int = 3) -> list[int]:
    """The ``k`` of ``indices`` with the smallest summed pairwise similarity: the most diverse views."""
    if len(indices) <= k:
        return list(indices)
    matrix = similarity_matrix(captions)
    return list(
        min(
            itertools.combinations(indices, k),
            key=lambda group: sum(matrix[a][b] for a, b in itertools.combinations(group, 2)),
        )
    )
