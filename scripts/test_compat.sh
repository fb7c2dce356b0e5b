#!/usr/bin/env bash
# The transformers compatibility matrix. A checkpoint carries its own copy of the remote code and runs inside whatever
# transformers its user has, so the code is tested at both ends of the range pyproject.toml declares:
#   floor:  the lowest transformers and TRL the range allows, exactly;
#   newest: the newest releases the range allows, resolved by pip now (never written here), so a release that breaks
#           the remote code turns CI red the day it ships.
# Each end gets its own virtual environment under .venv-compat/ (kept between runs; pip only re-resolves), runs the
# model, processor, generation, checkpoint, training (full and LoRA) and evaluation-route tests, and then a
# checkpoint saved under each end is loaded and generated from under the other. Cost on the 2-core CI machine: about
# 15 minutes from a fresh clone, the two environments' creation (torch comes from the local disk) and 4 to 5 minutes of
# tests in each included.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPAT_TESTS=(
    tests/test_tiling.py tests/test_processor.py tests/test_modeling.py tests/test_cache.py tests/test_layout.py
    tests/test_parity_llava_next.py tests/test_transformers_conformance.py tests/test_tensor_parallel.py
    tests/test_checkpoint.py
    tests/train/test_packing.py tests/train/test_trl_collator.py tests/train/test_training.py tests/train/test_peft.py
    tests/train/test_configs.py tests/train/test_robustness.py
    tests/test_eval_run.py
)

# "transformers>=5.20,<6" -> the requirement as declared, and its floor.
declared() { python3 -c "
import re, sys, tomllib
project = tomllib.load(open('pyproject.toml', 'rb'))['project']
requirements = project['dependencies'] + [r for extra in project['optional-dependencies'].values() for r in extra]
spec = next(r for r in requirements if re.match(sys.argv[1] + r'\s*[<>=]', r))
print(spec if sys.argv[2] == 'range' else re.search(r'>=\s*([\w.]+)', spec).group(1))
" "$1" "$2"; }

make_environment() {  # name, extras, then the pins or ranges of transformers and trl
    local name=$1 extras=$2; shift 2
    local venv=.venv-compat/$name
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    echo "== $name: installing the project ($extras) with $*"
    "$venv/bin/pip" install -q --disable-pip-version-check -e ".[$extras]" --upgrade "$@"
}

run_tests() {  # name
    local venv=.venv-compat/$1
    "$venv/bin/python" -c "import transformers, trl; print(f'== $1: transformers {transformers.__version__}, trl {trl.__version__}')"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "${COMPAT_TESTS[@]}" 2>&1 | tee ".venv-compat/$1.log" | tail -n 3
}

make_environment floor test "transformers==$(declared transformers floor)" "trl==$(declared trl floor)"
# The newest environment also holds DeepSpeed, which the main test environment leaves out (see test_sharded.py):
# ZeRO-3 on two CPU ranks runs here.
make_environment newest test,deepspeed "$(declared transformers range)" "$(declared trl range)"

status=0
run_tests floor || status=1
run_tests newest || status=1
echo "== ZeRO-3 on two CPU ranks (newest, with DeepSpeed)"
.venv-compat/newest/bin/python -m pytest -q -p no:cacheprovider tests/train/test_sharded.py -k zero3 || status=1
echo "== a checkpoint saved under each end, loaded under the other"
AMALIA_VL_COMPAT_PYTHONS="$PWD/.venv-compat/floor/bin/python:$PWD/.venv-compat/newest/bin/python" \
    .venv-compat/newest/bin/python -m pytest -q -p no:cacheprovider tests/test_cross_version.py || status=1

echo "== compatibility matrix:"
for name in floor newest; do
    printf '   %-7s %s\n' "$name" "$(grep -E '(passed|failed|error)' ".venv-compat/$name.log" | tail -n 1)"
done
exit $status
