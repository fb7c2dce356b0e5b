"""The code templates: pt-PT content only, and enough distinct functions to train on."""

import ast
import builtins
import random

from datagen.filtering.variety import VarietyFilter
from datagen.sources.code_templates import FUNCTION_TEMPLATES, make_function


def _strings(source: str) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_brazilian_text_in_the_templates():
    variety = VarietyFilter()
    texts = set()
    for seed in range(400):
        rng = random.Random(seed)
        function = make_function(rng, "pt", num_calls=6)
        texts.update(_strings(function.source))
        texts.update(s for call in function.calls for s in _strings(call))
    assert not [text for text in texts if variety.is_pt_br(text)]
    assert not any("onibus" in text.lower() or "ônibus" in text.lower() for text in texts)


def test_functions_are_valid_and_rarely_repeat():
    sources = []
    for seed in range(600):
        rng = random.Random(seed)
        function = make_function(rng, rng.choice(["pt", "en"]))
        ast.parse(function.source)
        sources.append(function.source)
    assert len(set(sources)) / len(sources) > 0.75
    assert len({source.split("(")[0] for source in sources}) == 2 * len(FUNCTION_TEMPLATES) - 1  # fibonacci is both


def test_a_rename_keeps_names_consistent():
    for seed in range(200):
        function = make_function(random.Random(seed), "en")
        tree = ast.parse(function.source)
        assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        args = {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}
        loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert loaded <= assigned | args | set(dir(builtins)) | {"_"}, function.source


def test_docstrings_follow_renamed_parameters_only():
    for seed in range(300):
        source = make_function(random.Random(seed), "pt").source
        if "mdc" in source.split("(")[0] and '"""' in source:
            assert "Máximo divisor comum" in source, source


def test_snippets_are_short_print_and_rarely_repeat():
    from datagen.sources.code_templates import make_snippet

    snippets = [make_snippet(random.Random(seed)) for seed in range(600)]
    assert all(len(s.splitlines()) <= 10 and "print(" in s for s in snippets)
    assert all(ast.parse(s) for s in snippets)
    assert len(set(snippets)) / len(snippets) > 0.6
