#!/usr/bin/env bash
# Issue 28's comparison at equal compute, one run after the other on one machine, same study
# seed (so the same held-out split), nothing else running:
#   a: `marsseg train --preset "U-Net" --timeout T` (the hand-tuning reference)
#   b: the pre-plan recipe `marsseg search --budget cpu --pruner sha --timeout T --workers 2 --start-with "U-Net" --no-plan`
#   c: the default search `marsseg search --timeout T --workers 2` (the time plan)
# Each is scored on its held-out split as `marsseg predict --top-k 3 --tta flip` would submit
# (bench_submission.py), then `marsseg compare` pairs c with a and b on the same photographs.
# Usage: benchmarks/bench_equal_time.sh OUT_DIR [T=1800] [RUNS="a b c"]
# OUT_DIR (outside the repository) receives the journal, the artifacts and the logs.
set -euo pipefail
out="$(realpath "$1")"; t="${2:-1800}"; runs="${3:-a b c}"
data="$(realpath "$(dirname "$0")/../../shared/data/ai4mars_hw.npz")"
journal="$out/equal_time.journal"
mkdir -p "$out"
cd "$(dirname "$0")/.."
for run in $runs; do
  study="$run$t"
  start=$(date +%s)
  case "$run" in
    a) marsseg train --study "$study" --storage "$journal" --data "$data" --preset "U-Net" --timeout "$t" ;;
    b) marsseg search --study "$study" --storage "$journal" --data "$data" --budget cpu --pruner sha --timeout "$t" --workers 2 \
         --start-with "U-Net" --no-plan ;;
    c) marsseg search --study "$study" --storage "$journal" --data "$data" --timeout "$t" --workers 2 ;;
  esac > "$out/$study.log" 2>&1
  echo "$study: $(( $(date +%s) - start )) s wall ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
  python3 benchmarks/bench_submission.py --study "$study" --storage "$journal" --out "$out/sub_$study" \
    --variants top3-flip | tail -1
done
for base in a b; do
  if [[ " $runs " == *" c "* && " $runs " == *" $base "* ]]; then
    marsseg compare "$out/sub_c$t/top3-flip.npz" "$out/sub_$base$t/top3-flip.npz" --labels "$out/sub_c$t/heldout.npz"
  fi
done
