#!/usr/bin/env bash
# Fill .whl/ with the wheels that scripts/gpu_check.sh installs on the GPU machine, which has no network: the packages
# of scripts/gpu_wheels.txt, for its Python 3.12 on x86-64 Linux. Run it here, where PyPI is reachable, from any
# directory; then carry .whl to that machine (the device tool's `run` with carry: [".whl"]).
#
#     bash scripts/gpu_wheels.sh
#
# It prints what will travel (the working tree the device tool copies, and .whl/), which must stay under 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
LIMIT=$((64 * 1024 * 1024))

# A fresh folder: an older version left beside a newer one would stop the install there.
rm -rf .whl
mkdir .whl
sed -e 's/#.*//' scripts/gpu_wheels.txt | awk 'NF {print $1}' | while read -r requirement; do
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --dest .whl "$requirement"
done

bytes_of() { xargs -0 stat --printf='%s\n' 2>/dev/null | awk '{total += $1} END {print total + 0}'; }
# What the device tool sends: tracked files and untracked files git does not ignore, plus the carried .whl/.
tree=$(git ls-files -z --cached --others --exclude-standard | bytes_of)
wheels=$(find .whl -type f -print0 | bytes_of)
total=$((tree + wheels))
ls -l .whl
mib() { awk -v bytes="$1" 'BEGIN {printf "%.1f MiB", bytes / 1048576}'; }
echo "working tree $(mib "$tree") + .whl $(mib "$wheels") = $(mib "$total") carried (limit 64 MiB)"
if ((total > LIMIT)); then
    echo "gpu_wheels: $(mib "$total") is over the device tool's 64 MiB: carry fewer wheels or ignore large files" >&2
    exit 1
fi
