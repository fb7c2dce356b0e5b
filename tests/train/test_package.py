"""train/ is a package: its modules import from anywhere as `train.*`, while `accelerate launch train/sft.py` runs
the scripts as documented without putting train/ itself on the path (where `data`, `stage`, `modules` would shadow
a user's packages of those names)."""

import subprocess
import sys

import pytest
from conftest import REPO


def test_modules_import_as_a_package_from_any_folder(tmp_path):
    code = "from train.packing import DataCollatorForPackedVision; from train.data import load_mix; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("script", ["train/sft.py", "train/dpo.py", "train/memory.py"])
def test_scripts_leave_a_users_module_names_alone(script, tmp_path):
    # A user's own `data` module on the path: after the script has imported everything it needs, `import data` must
    # still find the user's, and train/ must not be on the path. sitecustomize reports both at interpreter exit.
    (tmp_path / "data.py").write_text("OWNER = 'user'\n")
    (tmp_path / "sitecustomize.py").write_text(
        "import atexit, sys\n"
        "def report():\n"
        "    import data\n"
        "    print('owner', data.OWNER, 'train_on_path', any(p.rstrip('/').endswith('/train') for p in sys.path))\n"
        "atexit.register(report)\n"
    )
    result = subprocess.run(
        [sys.executable, script, "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "owner user train_on_path False" in result.stdout
