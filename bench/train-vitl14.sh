#!/usr/bin/env bash
# Training cost of full-size AnomalyCLIP (ViT-L/14@336 architecture, random weights, 518 px, taps 6,12,18,24) on this
# machine's CPU: feature extraction (images/s) with the full vision graph, optimiser steps (steps/s) with the full text
# encoder, and the implied time of 15 epochs over 1,725 images with the feature cache.
# Full ViT-L feature extraction is slow on a small CPU (about a minute per image on 2 cores): measure a few images, or
# set RANDOM_FEATURES=1 to time the steps alone on random features (no vision graph). THREADS (default 1: on a shared
# machine a second libtorch thread costs far more CPU than it saves, README Benchmarks) sets ONNX Runtime's and
# libtorch's threads.
# Needs the benchmark-training command registered in ApplianceCommand. -Xss16m: ONNX Runtime session creation
# overflowed the default 1 MB main-thread stack (SIGSEGV, no hs_err file) in a plain java main on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-train-vitl14}
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -B -q package -DskipTests
mkdir -p "$work"
random=()
[ "${RANDOM_FEATURES:-0}" = 1 ] && random=(--random-features)
/usr/bin/time -v java -Xmx8g -Xss16m -jar "$jar" benchmark-training --arch vit-l-14-336 --work "$work" \
  --images "${IMAGES:-2}" --steps "${STEPS:-3}" --dataset-size "${DATASET_SIZE:-1725}" --epochs "${EPOCHS:-15}" \
  --threads "${THREADS:-1}" "${random[@]}" \
  2> >(grep -E "error|Maximum resident|Elapsed|feature graph|reusing|building" >&2)
