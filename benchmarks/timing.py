"""Timing shared by the benchmark scripts."""

import time

import torch


def best_times(functions: dict, repeats: int, device: str) -> dict:
    """Best wall time of each function, measured in alternation so that a busy machine slows both alike."""
    for function in functions.values():
        function()  # warm-up
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            function()
            if device == "cuda":
                torch.cuda.synchronize()
            best[name] = min(best[name], time.perf_counter() - start)
    return best
