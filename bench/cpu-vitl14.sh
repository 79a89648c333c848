#!/usr/bin/env bash
# Full-size AnomalyCLIP (ViT-L/14@336 architecture, random weights) on this machine's CPU:
# generate the checkpoint, export at 518 px in FP32 and in INT8, then time inference of both, back to back, at the
# batch sizes in BATCHES (default 1,4) and report peak RSS. Each step runs in its own JVM, so every figure (peak RSS
# above all) belongs to that step alone. ROUNDS=2 alternates fp32,int8,fp32,int8 to expose load drift.
# Each benchmark ends with a BENCHMARK_JSON line; they are collected in $work/benchmark.jsonl. PROFILE=1 adds ONNX
# Runtime's session profile per run ($work/profile-<precision>-<round>.json) and its per-operator table.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-vitl14}
jar=target/quarkus-app/quarkus-run.jar
threads=${THREADS:-2}
[ -f "$jar" ] || ./mvnw -B -q package -DskipTests
mkdir -p "$work"
if [ ! -f "$work/clip.safetensors" ]; then
  /usr/bin/time -v java -Xmx6g -jar "$jar" random-clip --arch vit-l-14-336 --out-clip "$work/clip.safetensors" \
    --out-prompts "$work/prompts.safetensors" 2> >(grep -E "wrote|Maximum resident|Elapsed" >&2)
fi
for p in fp32 int8; do
  if [ ! -f "$work/bundle-$p/bundle.json" ]; then
    /usr/bin/time -v java -Xmx4g -jar "$jar" export --clip "$work/clip.safetensors" --prompts "$work/prompts.safetensors" \
      --precision $p --out "$work/bundle-$p" 2> >(grep -E "exported|error|Maximum resident|Elapsed" >&2)
  fi
done
for round in $(seq "${ROUNDS:-1}"); do
  for p in fp32 int8; do
    java -Xmx1g -jar "$jar" benchmark --bundle "$work/bundle-$p" --engine onnxruntime --threads "$threads" \
      --batch-sizes "${BATCHES:-1,4}" --runs "${RUNS:-2}" ${PROFILE:+--profile "$work/profile-$p-$round.json"} | tee "$work/benchmark-$p-$round.txt"
    grep '^BENCHMARK_JSON ' "$work/benchmark-$p-$round.txt" | cut -d' ' -f2- >> "$work/benchmark.jsonl"
  done
done
