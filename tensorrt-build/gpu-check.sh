#!/usr/bin/env bash
# TensorRT GPU check: one command on a GPU box that has the NVIDIA driver and nothing else of ours (no TensorRT, no
# Java, no Maven, no network). Everything comes from the parts made by tensorrt-build/pack-gpu-check.sh (files of at
# most 60 MiB). From the repository root:
#
#   tensorrt-build/gpu-check.sh [--dry-run] [PACK_DIR]          (default PACK_DIR: gpu-pack)
#
# It checks and reassembles the parts, then within BUDGET_S seconds (default 570, i.e. under 10 minutes):
#   1. host facts (nvidia-smi, CPU, memory) and the TensorRT probe (build-engine --probe);
#   2. the demo bundle: builds its FP16 plan (in a child JVM, as the service does), compares TensorRT FP16 with ONNX
#      Runtime FP32 on the same images and times batch 1, 8 and 32 (the trt-parity command; the build also makes the
#      few-shot head plan), then times few-shot scoring with a k = 4 bank (benchmark --shots 4: the plan's run plus the
#      bank search on the GPU's head plan);
#   3. the full-size random-weight ViT-L/14@336 bundle at 518 px: the same but few-shot (no head plan: build time);
#   4. TrtGpuTest (golden models at every batch size, plan reuse, memory over 10,000 inferences, two workers, the
#      few-shot head plan against the host's search) with the time that is left.
# and writes one JSON file, $OUT/gpu-check.json (OUT defaults to target/gpu-check), plus the full log next to it.
# Parity is reported as the distribution of |TensorRT - ONNX Runtime| (max, mean, p50/p90/p99/p99.9 over every map
# pixel and every score); the tolerance is provisional until measured here.
# --dry-run needs no GPU: it does steps 0 and 1, runs steps 2 and 4 on the CPU (the packed app makes the demo bundle,
# trt-parity and TrtGpuTest run and report that TensorRT is unavailable) and prints the commands of step 3.
# Environment: OUT, WORK (unpack folder, default $TMPDIR/anomalyedge-gpu-check), BUDGET_S, IMAGE_SIZE (518),
# BATCHES (1,8,32), SKIP_FULL=1, SKIP_TESTS=1.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
pack=${1:-gpu-pack}
out=${OUT:-target/gpu-check}
work=${WORK:-${TMPDIR:-/tmp}/anomalyedge-gpu-check}
budget=${BUDGET_S:-570}
batches=${BATCHES:-1,8,32}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log_file="$out/gpu-check.log"
: > "$log_file"
json="$out/gpu-check.json"
steps=()

log() { printf '\n=== %s\n' "$*" | tee -a "$log_file"; }
left() { echo $((budget - ($(date +%s) - start))); }
# a JSON string from arbitrary text
jstr() {
  printf '%s' "$1" | awk 'BEGIN { ORS = ""; printf "\"" }
    { gsub(/\\/, "\\\\\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, ""); gsub(/[\001-\037]/, " ")
      if (NR > 1) printf "\\n"; printf "%s", $0 }
    END { printf "\"" }'
}
# run NAME SECONDS CMD...: runs with a time limit, output to the log, and records the step
run() {
  local name=$1 limit=$2; shift 2
  if [ "$limit" -lt 20 ]; then
    steps+=("{\"name\": $(jstr "$name"), \"status\": \"not run: out of time\"}")
    log "$name: not run, $(left) s left"
    return 124
  fi
  log "$name (limit $limit s)"
  local t0=$(date +%s) rc
  timeout --kill-after=15 "$limit" "$@" >> "$log_file" 2>&1
  rc=$?
  local status=ok
  [ $rc = 0 ] || status="exit $rc"
  [ $rc = 124 ] && status="timed out after $limit s"
  steps+=("{\"name\": $(jstr "$name"), \"status\": $(jstr "$status"), \"seconds\": $(( $(date +%s) - t0 ))}")
  tail -n 25 "$log_file"
  return $rc
}
# file or null
jfile() { if [ -s "$1" ]; then cat "$1"; else echo null; fi; }
write_json() {
  local IFS=,
  {
    echo "{"
    echo "  \"pack\": $(jstr "$(cat "$work/VERSION" 2>/dev/null || echo missing)"),"
    echo "  \"dryRun\": $([ $dry = 1 ] && echo true || echo false),"
    echo "  \"startedAt\": \"$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)\", \"seconds\": $(( $(date +%s) - start )), \"budgetSeconds\": $budget,"
    echo "  \"host\": {\"nvidiaSmi\": $(jstr "${smi:-}"), \"cpus\": $(nproc), \"memory\": $(jstr "$(free -g 2>/dev/null | awk '/Mem:/{print $2 " GiB"}')"), \"kernel\": $(jstr "$(uname -r)")},"
    echo "  \"probe\": $(jstr "${probe:-not run}"),"
    echo "  \"steps\": [${steps[*]}],"
    echo "  \"demo\": $(jfile "$work/results/demo.json"),"
    echo "  \"full\": $(jfile "$work/results/full.json"),"
    echo "  \"gpuTests\": $(jfile "$work/results/gpu-tests.json")"
    echo "}"
  } > "$json"
  log "results: $json"
}

log "0. reassemble the pack from $pack"
ls "$pack"/gpu-check.tar.[0-9][0-9][0-9] >/dev/null 2>&1 || { echo "no $pack/gpu-check.tar.NNN parts: run tensorrt-build/pack-gpu-check.sh first" | tee -a "$log_file"; write_json; exit 2; }
(cd "$pack" && sha256sum -c --quiet SHA256SUMS) >> "$log_file" 2>&1 || { echo "a part is damaged (SHA256SUMS)" | tee -a "$log_file"; write_json; exit 2; }
version=$(cat "$pack"/MANIFEST.txt | head -1)
if [ "$(cat "$work/.unpacked" 2>/dev/null)" != "$version" ]; then
  rm -rf "$work" && mkdir -p "$work"
  cat "$pack"/gpu-check.tar.[0-9][0-9][0-9] | tar -x -C "$work" || { echo "cannot unpack into $work" | tee -a "$log_file"; write_json; exit 2; }
  echo "$version" > "$work/.unpacked"
fi
mkdir -p "$work/results"
rm -f "$work"/results/*.json
java="$work/jre/bin/java"
export JAVA_HOME="$work/jre"
opts=(-Dorg.bytedeco.javacpp.cachedir="$work/javacpp" -XX:+ExitOnOutOfMemoryError)
jar="$work/app/quarkus-run.jar"
cp="$work/app/app/*:$work/app/lib/boot/*:$work/app/lib/main/*"
# CUDA toolkit runtime on the host, if any, after the packed one (JavaCPP prefers the jar's libcudart)
for d in /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64; do [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"; done
echo "pack: $(cat "$work/VERSION"), $(( $(date +%s) - start )) s so far" | tee -a "$log_file"

log "1. host and probe"
smi=$(nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi not found")
echo "$smi" | tee -a "$log_file"
"$java" -version 2>&1 | tee -a "$log_file"
probe=$("$java" "${opts[@]}" -jar "$jar" build-engine --probe 2>&1)
probe_rc=$?
echo "$probe" | tee -a "$log_file"

demo="$work/demo/models/demo/untrained-1"
full="$work/vitl14"
# INFO so that the plan build's progress lines (logged by PlanBuildProcess) reach the log; commands default to WARN
parity=(-Dquarkus.log.console.level=INFO -jar "$jar" trt-parity --batch-sizes "$batches" --max-batch 32 --opt-batch 8)
test_cp="$work/test/classes:$work/test/lib/*:$cp"
if [ $dry = 1 ]; then
  log "dry run: steps 2 and 4 run on the CPU (TensorRT steps report that TensorRT is unavailable), step 3 would be"
  cat <<EOF | tee -a "$log_file"
3. $java -Xmx8g -jar $jar random-clip --arch vit-l-14-336 --out-clip $full/clip.safetensors --out-prompts $full/prompts.safetensors
   $java -Xmx8g -jar $jar export --clip $full/clip.safetensors --prompts $full/prompts.safetensors --image-size ${IMAGE_SIZE:-518} --out $full/bundle
   $java -Xmx8g ${parity[*]} --bundle $full/bundle --ort-batch-sizes 1 --ort-iterations 1 --images 4 --head-images 0 --json $work/results/full.json
EOF
elif [ $probe_rc != 0 ]; then
  echo "TensorRT cannot run here (see probe); the JSON says why" | tee -a "$log_file"
  write_json
  exit 2
fi

log "2. demo bundle"
run "demo bundle" "$(( $(left) - 30 ))" "$java" "${opts[@]}" -jar "$jar" demo --untrained --out "$work/demo" \
  && run "demo: plan, parity, timings" "$(( $(left) - 60 ))" "$java" "${opts[@]}" "${parity[@]}" --bundle "$demo" --ort-batch-sizes 1,8 --images 8 \
       --json "$work/results/demo.json"
# few-shot scoring on TensorRT: one plan run, then the bank search on the GPU's head plan (engine.trt.TrtFewShotHead;
# the host's ONNX Runtime head when it is missing: engine.select.HostBankSearch; the benchmark's first line says which)
[ $dry = 1 ] || [ ! -d "$demo" ] || run "demo: few-shot on TensorRT, k = 4" "$(( $(left) - 60 ))" "$java" "${opts[@]}" -jar "$jar" \
  benchmark --bundle "$demo" --engine tensorrt --shots 4 --batch-sizes 1 --runs 3
write_json

if [ "${SKIP_FULL:-0}" != 1 ] && [ $dry = 0 ]; then
  log "3. full-size random-weight bundle (ViT-L/14@336, ${IMAGE_SIZE:-518} px)"
  mkdir -p "$full"
  run "full: random weights" "$(( $(left) - 60 ))" "$java" "${opts[@]}" -Xmx8g -jar "$jar" random-clip --arch vit-l-14-336 \
      --out-clip "$full/clip.safetensors" --out-prompts "$full/prompts.safetensors" \
    && run "full: export" "$(( $(left) - 60 ))" "$java" "${opts[@]}" -Xmx8g -jar "$jar" export --clip "$full/clip.safetensors" \
      --prompts "$full/prompts.safetensors" --image-size "${IMAGE_SIZE:-518}" --out "$full/bundle" \
    && run "full: plan, parity, timings" "$(( $(left) - 20 ))" "$java" "${opts[@]}" -Xmx8g "${parity[@]}" --bundle "$full/bundle" \
      --ort-batch-sizes 1 --ort-iterations 1 --images 4 --head-images 0 --json "$work/results/full.json"
  write_json
fi

if [ "${SKIP_TESTS:-0}" != 1 ]; then
  log "4. TrtGpuTest"
  run "TrtGpuTest" "$(( $(left) - 5 ))" "$java" "${opts[@]}" -Dgolden.dir="$work/golden" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -cp "$test_cp" dev.anomalyedge.engine.trt.GpuTestMain "$work/results/gpu-tests.json"
fi
write_json
grep -h -E '^parity|PARITY|plan build time|^[0-9]+ +\|' "$log_file" | tail -n 20
exit 0
