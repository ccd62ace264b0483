#!/usr/bin/env bash
# `npm run bench`: every benchmark, one after the other — run side by side they would measure
# each other. Each writes its tables to bench/results/; a step that misses its goal or fails is
# reported at the end and makes the exit status 1, but the later steps still run.
# BENCH_ONLY="queue analysis" runs a subset (names as in STEPS below).
set -uo pipefail
cd "$(dirname "$0")/.."

TSX=(npx tsx --conditions=development)
EXPORT_DIR=/tmp/tinysaver-worker-bench-onnx
STEPS=(setup build cascade analysis queue search-cost inference profiler worker api)

step_setup() { bash bench/setup.sh; }
step_build() { NX_DAEMON=false npx nx run-many -t build -p api worker --outputStyle=static; }
step_cascade() { "${TSX[@]}" bench/cascade.bench.ts; }
step_analysis() { "${TSX[@]}" bench/analysis.bench.ts; }
step_queue() { "${TSX[@]}" bench/queue.bench.ts; }
step_search-cost() { "${TSX[@]}" bench/search-cost.bench.ts; }
step_inference() {
  /usr/bin/python3 bench/worker/export_imagenet.py "$EXPORT_DIR" resnet18 resnet50 mobilenet_v3_large convnext_tiny &&
    "${TSX[@]}" bench/inference.bench.ts "$EXPORT_DIR"
}
step_profiler() {
  /usr/bin/python3 bench/profiler/export_torchvision.py /tmp/tinysaver-torchvision-onnx &&
    "${TSX[@]}" bench/profiler-torchvision.bench.ts /tmp/tinysaver-torchvision-onnx
}
step_worker() {
  /usr/bin/python3 bench/worker/export_imagenet.py "$EXPORT_DIR" &&
    "${TSX[@]}" bench/worker.bench.ts "$EXPORT_DIR"
}
step_api() {
  "${TSX[@]}" bench/api/aggregation.bench.ts && "${TSX[@]}" bench/api/latency.bench.ts
}

selected=(${BENCH_ONLY:-${STEPS[*]}})
summary=()
failed=0
for name in "${selected[@]}"; do
  echo "=== bench: $name ===" >&2
  started=$SECONDS
  if "step_$name"; then outcome=ok; else outcome="FAILED (exit $?)"; failed=1; fi
  summary+=("$(printf '%-12s %6d s  %s' "$name" $((SECONDS - started)) "$outcome")")
done
echo "=== bench summary ($(date -u +%FT%TZ), $(git rev-parse --short HEAD)) ===" >&2
printf '%s\n' "${summary[@]}" >&2
exit $failed
