#!/usr/bin/env bash
# Runs ConfigSmoke.java (configure/close through the public exporter API, no Redis needed) against
# the freshly built exporter jar and the broker's own API jars.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
lib="$repo/.runtime/dist/camunda-zeebe-8.5.8/lib"
jar="$repo/.runtime/dist/zeebe-redis-stream-exporter-1.0.0.jar"
"$here/../build.sh" "$jar"

# single-file source launch needs a full JDK (jdk.compiler), the newest one >= 21 will do
java=""
for candidate in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  v="$("$candidate/bin/javac" -version 2>&1 | awk '/^javac /{split($2, a, "."); print a[1]; exit}')" || true
  if [[ "$v" =~ ^[0-9]+$ && "$v" -ge 21 ]]; then java="$candidate/bin/java"; [[ "$candidate" == "${JAVA_HOME:-}" ]] && break; fi
done
[[ -n "$java" ]] || { echo "config_smoke.sh: no JDK >= 21 found" >&2; exit 1; }

cp="$jar:$(ls "$lib"/zeebe-exporter-api-*.jar "$lib"/zeebe-protocol-8*.jar "$lib"/slf4j-api-*.jar | paste -sd:)"
# ZEEBE_REDIS_* from the caller's shell would override the arguments under test
exec env $(env | awk -F= '/^ZEEBE_REDIS_/{print "-u " $1}') "$java" -cp "$cp" "$here/ConfigSmoke.java"
