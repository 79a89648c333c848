#!/usr/bin/env bash
# Packs everything tensorrt-build/gpu-check.sh needs on a GPU box that has only the NVIDIA driver (CUDA 13 optional,
# no TensorRT, no Java, no build tools, no network), as files of at most 60 MiB:
#   app/     target/quarkus-app built with -Pgpu (TensorRT 10.15 and the CUDA 13.1 runtime/NVRTC natives inside)
#   jre/     a Java 17 runtime made with jlink from this machine's JDK (needs glibc >= 2.34 on the GPU box)
#   test/    the test classes (TrtGpuTest, GpuTestMain) and the JUnit jars to run them without Maven
#   golden/  src/test/golden (the golden models TrtGpuTest compares against)
# as gpu-check.tar.000, .001, ... (split at 60 MiB), SHA256SUMS and MANIFEST.txt in OUT_DIR.
#
#   tensorrt-build/pack-gpu-check.sh [--dry-run] [OUT_DIR]      (default OUT_DIR: gpu-pack, about 1.2 GB)
#
# --dry-run checks that everything can be packed and prints what would be packed, its size and the number of parts;
# it builds and writes nothing. SKIP_BUILD=1 packs the existing target/ (it must be a -Pgpu build).
# Then, on the GPU box, from the repository root: tensorrt-build/gpu-check.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
out=${1:-gpu-pack}
part_mib=60
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
modules=java.se,jdk.unsupported,jdk.zipfs,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.localedata,jdk.charsets
app=target/quarkus-app
say() { printf '%s\n' "$*"; }
fail() { printf 'pack-gpu-check: %s\n' "$*" >&2; exit 1; }

[ -d "$java_home/jmods" ] || fail "no $java_home/jmods: jlink needs a full JDK 17 (set JAVA_HOME)"
"$java_home/bin/java" -version 2>&1 | head -1 | grep -q '"17\.' || fail "$java_home is not a JDK 17"
[ -d src/test/golden ] || fail "no src/test/golden"

if [ $dry = 0 ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "== build with -Pgpu (test classes included, tests skipped)"
  ./mvnw -B -q -Pgpu package -DskipTests
fi
if [ $dry = 1 ] && [ ! -d "$app" ]; then
  say "(dry run: $app does not exist yet; the real run builds it with ./mvnw -Pgpu package -DskipTests)"
else
  ls "$app"/lib/*/org.bytedeco.tensorrt-*-redist.jar >/dev/null 2>&1 \
    || fail "$app has no TensorRT redist jar: it is not a -Pgpu build (drop SKIP_BUILD=1)"
  ls "$app"/lib/*/org.bytedeco.cuda-redist-*.jar >/dev/null 2>&1 || fail "$app has no cuda-redist jar"
  [ -d target/test-classes/dev/anomalyedge/engine/trt ] || fail "no target/test-classes: build without -Dmaven.test.skip"
fi

say "== JUnit jars for running TrtGpuTest without Maven"
cpfile=$(mktemp)
./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
junit_jars=$(tr ':' '\n' < "$cpfile" | grep -E '/(org/junit/|org/opentest4j/|org/apiguardian/)' || true)
rm -f "$cpfile"
[ -n "$junit_jars" ] || fail "no JUnit jars on the test class path"
say "$junit_jars" | sed 's|.*/||;s|^|  |'

if [ $dry = 1 ]; then
  app_mib=$([ -d "$app" ] && du -sm "$app" | cut -f1 || echo "~1150")
  say "== dry run: would pack"
  say "  app/    $app ($app_mib MiB)"
  say "  jre/    jlink --add-modules $modules from $java_home (about 60 MiB)"
  say "  test/   target/test-classes + $(say "$junit_jars" | wc -l) JUnit jars"
  say "  golden/ src/test/golden ($(du -sm src/test/golden | cut -f1) MiB)"
  say "  into $out/gpu-check.tar.NNN parts of at most $part_mib MiB, plus SHA256SUMS and MANIFEST.txt"
  exit 0
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
say "== stage in $stage"
cp -a "$app" "$stage/app"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" --strip-debug --no-header-files \
  --no-man-pages --output "$stage/jre"
mkdir -p "$stage/test/lib"
cp -a target/test-classes "$stage/test/classes"
for j in $junit_jars; do cp "$j" "$stage/test/lib/"; done
cp -a src/test/golden "$stage/golden"
version="$(git describe --always --dirty 2>/dev/null || echo unknown) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "$version" > "$stage/VERSION"

say "== split into $part_mib MiB parts in $out"
mkdir -p "$out"
rm -f "$out"/gpu-check.tar.[0-9][0-9][0-9] "$out/SHA256SUMS" "$out/MANIFEST.txt"
tar -C "$stage" -cf - . | split -b "${part_mib}m" -d -a 3 - "$out/gpu-check.tar."
(cd "$out" && sha256sum gpu-check.tar.[0-9][0-9][0-9] > SHA256SUMS)
{
  say "gpu-check pack $version"
  say "reassemble: cat gpu-check.tar.[0-9][0-9][0-9] | tar -x (tensorrt-build/gpu-check.sh does this)"
  (cd "$stage" && du -sm app jre test golden)
  ls -l "$out"/gpu-check.tar.[0-9][0-9][0-9] | awk '{print $5, $NF}'
} > "$out/MANIFEST.txt"
largest=$(stat -c %s "$out"/gpu-check.tar.[0-9][0-9][0-9] | sort -n | tail -1)
[ "$largest" -le $((part_mib << 20)) ] || fail "a part is larger than $part_mib MiB"
say "packed $(ls "$out"/gpu-check.tar.[0-9][0-9][0-9] | wc -l) parts, $(du -sm "$out" | cut -f1) MiB in $out ($version)"
