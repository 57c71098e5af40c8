#!/usr/bin/env bash
# Builds the Redis stream exporter jar (all dependencies bundled, slf4j excluded) and copies it to
# $1 (default: <repo>/.runtime/dist/zeebe-redis-stream-exporter-1.0.0.jar).
#
# Does nothing when the output is newer than the pom, this script and every source file.
# javac comes from a JDK >= 21 (JAVA_HOME if it qualifies, else the newest /usr/lib/jvm/*) and is
# forked by Maven, so Maven itself may run on whatever Java it finds (Debian's runs on 17).
# The jar is byte-for-byte reproducible (fixed entry timestamps, see the pom).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.runtime/dist/zeebe-redis-stream-exporter-1.0.0.jar}"
built="$here/target/zeebe-redis-stream-exporter-1.0.0-jar-with-dependencies.jar"

die() { echo "build.sh: $*" >&2; exit 1; }

if [[ -f "$out" ]]; then
  stale="$(find "$here/pom.xml" "$here/build.sh" "$here/src" -type f -newer "$out" -print -quit)"
  if [[ -z "$stale" ]]; then
    exit 0
  fi
fi

# Prints the major version of <jdk>/bin/javac, or nothing if it is missing or unreadable.
javac_major() {
  local v
  [[ -x "$1/bin/javac" ]] || return 0
  v="$("$1/bin/javac" -version 2>&1 | awk '/^javac /{print $2; exit}')" || return 0
  v="${v%%[.+-]*}"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v"
  return 0
}

jdk=""
if [[ -n "${JAVA_HOME:-}" ]]; then
  major="$(javac_major "$JAVA_HOME")"
  if [[ -n "$major" && "$major" -ge 21 ]]; then
    jdk="$JAVA_HOME"
  fi
fi
if [[ -z "$jdk" ]]; then
  best=0
  for candidate in /usr/lib/jvm/*; do
    major="$(javac_major "$candidate")"
    if [[ -n "$major" && "$major" -ge 21 && "$major" -gt "$best" ]]; then
      best="$major"
      jdk="$candidate"
    fi
  done
fi
[[ -n "$jdk" ]] || die "no JDK >= 21 with javac found (JAVA_HOME='${JAVA_HOME:-}', /usr/lib/jvm/*); install one, e.g. apt-get install openjdk-21-jdk-headless (or temurin-21-jdk), or point JAVA_HOME at it"
command -v mvn >/dev/null || die "mvn not found on PATH (apt-get install maven)"

rm -rf "$here/target"
mvn_args=(-B -q -Dstyle.color=never -f "$here/pom.xml" "-Djavac.executable=$jdk/bin/javac" package)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Offline first: a machine that built once needs no network; fall back to Maven Central otherwise.
if ! mvn -o "${mvn_args[@]}" >"$log" 2>&1; then
  if ! mvn "${mvn_args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    die "maven build failed"
  fi
fi
[[ -f "$built" ]] || die "maven succeeded but $built is missing"

mkdir -p "$(dirname "$out")"
cp "$built" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
echo "built $out ($(sha256sum "$out" | cut -d' ' -f1)) with javac from $jdk"
