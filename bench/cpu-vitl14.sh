#!/usr/bin/env bash
# Full-size AnomalyCLIP (ViT-L/14@336 architecture, random weights) on this machine's CPU:
# generate the checkpoint, export at 518 px, then time inference at batch 1 and 4 and report peak RSS.
# Each step runs in its own JVM so the inference figure is not inflated by the export.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-vitl14}
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -B -q package -DskipTests
mkdir -p "$work"
if [ ! -f "$work/clip.safetensors" ]; then
  /usr/bin/time -v java -Xmx6g -jar "$jar" random-clip --arch vit-l-14-336 --out-clip "$work/clip.safetensors" \
    --out-prompts "$work/prompts.safetensors" 2> >(grep -E "wrote|Maximum resident|Elapsed" >&2)
fi
/usr/bin/time -v java -Xmx4g -jar "$jar" export --clip "$work/clip.safetensors" --prompts "$work/prompts.safetensors" \
  --out "$work/bundle" 2> >(grep -E "exported|error|Maximum resident|Elapsed" >&2)
java -Xmx1g -jar "$jar" benchmark --bundle "$work/bundle" --batch-sizes "${BATCHES:-1,4}" --runs "${RUNS:-2}"
