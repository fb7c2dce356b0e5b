#!/usr/bin/env bash
# The GPU check on a machine with one NVIDIA GPU and no network: installs the carried wheels (.whl/, made by
# scripts/gpu_wheels.sh), then runs benchmarks/gpu_check.py under a time guard. From the device tool:
#
#     run(command="bash scripts/gpu_check.sh", carry=[".whl"], timeout_s=600)
#
# It writes gpu_check.json, gpu_check.md and gpu_check.log into $OUT (the device tool's folder that comes back), or
# gpu_check_out/ where OUT is unset. Arguments go to benchmarks.gpu_check (e.g. --sections parity). GPU_CHECK_TIMEOUT
# (seconds, default 500) bounds the Python run; its sections budget 420 s of it.
set -euo pipefail
cd "$(dirname "$0")/.."
output_dir=${OUT:-gpu_check_out}
fail() { echo "gpu_check: $*" >&2; exit 2; }

command -v nvidia-smi >/dev/null || fail "nvidia-smi is not on the PATH: this is no NVIDIA GPU machine (or its driver is missing)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || fail "nvidia-smi finds no working GPU"

shopt -s nullglob
wheels=(.whl/*.whl)
((${#wheels[@]})) || fail ".whl/ holds no wheels: run scripts/gpu_wheels.sh where PyPI is reachable, then carry .whl"
# --target keeps the image's own packages untouched; PYTHONPATH puts the carried versions first.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "${wheels[@]}"
export PYTHONPATH=/tmp/site:$PWD
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
# Nothing can be downloaded there: fail at once rather than wait on a connection.
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# Steps of different shapes follow each other: expandable segments keep fragmentation from faking an OOM.
export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True

python3 -c 'import sys, torch; torch.cuda.is_available() or sys.exit(f"gpu_check: torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU")'

mkdir -p "$output_dir"
status=0
timeout --signal=TERM --kill-after=20 "${GPU_CHECK_TIMEOUT:-500}" \
    python3 -m benchmarks.gpu_check --output-dir "$output_dir" "$@" 2>&1 | tee "$output_dir/gpu_check.log" || status=$?
if ((status == 124)); then
    echo "gpu_check: stopped by its ${GPU_CHECK_TIMEOUT:-500} s time guard; $output_dir/gpu_check.json holds the sections done" >&2
fi
ls -l "$output_dir"
exit "$status"
