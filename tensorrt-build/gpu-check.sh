#!/usr/bin/env bash
# TensorRT GPU check. Run on a box with an NVIDIA GPU and driver (TensorRT itself comes from the -Pgpu jars):
#   tensorrt-build/gpu-check.sh [WORK_DIR]
# 1. builds the project with -Pgpu (redistributed libnvinfer / libcudart),
# 2. runs the GPU-only tests (golden parity at every batch size, plan reuse across restarts, memory over 10,000
#    inferences, two concurrent workers) and fails if they were skipped,
# 3. builds plans for the demo bundle and for a full-size random-weight ViT-L/14@336 bundle, compares TensorRT FP16
#    with ONNX Runtime FP32 on the same images (max |Δ map| <= 2e-2, max |Δ score| <= 1e-2) and prints ms/image at
#    each batch size plus the plan build time.
# Environment: BATCHES (TensorRT batch sizes, default 1,8,32), MAX_BATCH (32), IMAGE_SIZE of the full-size bundle (518),
# ORT_BATCHES (1), ORT_ITERATIONS (1), FRESH=0 to keep existing plans (default: rebuild, to time the build),
# SKIP_TESTS=1, SKIP_FULL=1 (demo bundle only), DEMO_BUNDLE=DIR to use an existing bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/gpu-check}
batches=${BATCHES:-1,8,32}
max_batch=${MAX_BATCH:-32}
mkdir -p "$work"
log() { printf '\n=== %s\n' "$*"; }

log "GPU and driver"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv
else
  echo "nvidia-smi not found (the driver's libcuda.so.1 is still required)"
fi

log "build with -Pgpu (downloads ~870 MiB of TensorRT/CUDA natives the first time)"
./mvnw -B -q -Pgpu package -DskipTests
jar=target/quarkus-app/quarkus-run.jar
cp="target/quarkus-app/app/*:target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*"
java_cp() { java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "$cp" "$@"; }

if [ "${SKIP_TESTS:-0}" != 1 ]; then
  log "GPU tests (TrtGpuTest)"
  ./mvnw -B -Pgpu test -Dtest=TrtGpuTest -Dgpu.tests=true
  report=target/surefire-reports/TEST-dev.anomalyedge.engine.trt.TrtGpuTest.xml
  if grep -q 'skipped="[1-9]' "$report"; then
    echo "TrtGpuTest was skipped here:"; grep -o 'message="[^"]*"' "$report" | head -1
    exit 1
  fi
fi

bundles=()
log "demo bundle"
if [ -n "${DEMO_BUNDLE:-}" ]; then
  bundles+=("$DEMO_BUNDLE")
else
  java -jar "$jar" demo --untrained --out "$work/demo" >/dev/null
  bundles+=("$work/demo/models/demo/untrained-1")
fi

if [ "${SKIP_FULL:-0}" != 1 ]; then
  log "full-size random-weight bundle (ViT-L/14@336 architecture, ${IMAGE_SIZE:-518} px)"
  full="$work/vitl14"
  mkdir -p "$full"
  if [ ! -f "$full/clip.safetensors" ]; then
    java -Xmx6g -jar "$jar" random-clip --arch vit-l-14-336 --out-clip "$full/clip.safetensors" --out-prompts "$full/prompts.safetensors"
  fi
  if [ ! -f "$full/bundle/visual.onnx" ]; then
    java -Xmx6g -jar "$jar" export --clip "$full/clip.safetensors" --prompts "$full/prompts.safetensors" \
      --image-size "${IMAGE_SIZE:-518}" --out "$full/bundle"
  fi
  bundles+=("$full/bundle")
fi

status=0
for b in "${bundles[@]}"; do
  log "TensorRT vs ONNX Runtime: $b"
  [ "${FRESH:-1}" = 1 ] && rm -rf "$b/engines"   # rebuild (and time) the plan, timing cache included
  if java_cp dev.anomalyedge.engine.trt.TrtParityCheck --bundle "$b" --batch-sizes "$batches" --max-batch "$max_batch" \
       --ort-batch-sizes "${ORT_BATCHES:-1}" --ort-iterations "${ORT_ITERATIONS:-1}" --images 4; then
    echo "OK: $b"
  else
    echo "FAILED: $b"; status=1
  fi
  ls -l "$b/engines"
done
exit $status
