"""The repository root is the model repository: the three remote-code files work from there and from a checkpoint.

Inside a checkpoint transformers' dynamic-module loader imports them as one package (siblings are relative imports);
from the repository, and once pip-installed, they are top-level modules. Both routes are tested on the same bytes.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from transformers.dynamic_module_utils import check_imports, get_imports

from amalia_vl import REMOTE_CODE_FILES


ROOT = Path(__file__).resolve().parents[1]
NAMES = ["configuration_amalia_vl.py", "modeling_amalia_vl.py", "processing_amalia_vl.py"]


def test_the_three_files_sit_at_the_repository_root():
    assert [path.resolve() for path in REMOTE_CODE_FILES] == [ROOT / name for name in NAMES]
    assert not list((ROOT / "amalia_vl").glob("*_amalia_vl.py"))


@pytest.mark.parametrize("name", NAMES)
def test_transformers_follows_the_siblings_and_asks_for_no_package_of_ours(name):
    """What the loader copies into a checkpoint (relative imports) and what it requires installed (the rest)."""
    path = ROOT / name
    siblings = check_imports(path)  # raises if an import would need a package the user lacks
    assert set(siblings) == ({"configuration_amalia_vl"} if name != "configuration_amalia_vl.py" else set())
    assert not {"configuration_amalia_vl", "amalia_vl"} & set(get_imports(path))
    third_party = set(get_imports(path)) - set(sys.stdlib_module_names)
    assert third_party <= {"torch", "transformers", "torchvision", "PIL", "numpy"}


def test_checkpoint_carries_the_repository_bytes(tiny_checkpoint):
    for name in NAMES:
        assert (tiny_checkpoint / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_top_level_modules_import_from_anywhere_once_installed(tmp_path):
    """`pip install -e .` makes them importable outside the repository, as the package that registers them."""
    script = textwrap.dedent("""
        import modeling_amalia_vl, processing_amalia_vl
        from configuration_amalia_vl import AmaliaVLConfig
        import amalia_vl
        assert modeling_amalia_vl.AmaliaVLConfig is AmaliaVLConfig is amalia_vl.AmaliaVLConfig
        from transformers import AutoConfig
        assert AutoConfig.for_model("amalia_vl").__class__ is AmaliaVLConfig
        print(modeling_amalia_vl.__file__)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert Path(result.stdout.strip()).resolve() == ROOT / "modeling_amalia_vl.py"
