#!/usr/bin/env bash
# Wall time of `marsseg demo` in a fresh temporary folder (synthetic data, smoke space,
# tiny budget, 8 trials, journal file). Usage: benchmarks/bench_demo.sh [extra demo flags]
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
start=$(date +%s.%N)
marsseg demo "$@"
end=$(date +%s.%N)
echo "marsseg demo wall time: $(python3 -c "print(f'{$end - $start:.1f}')") s ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
