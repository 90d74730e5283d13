#!/usr/bin/env bash
# Builds the JRay image jray/jray:0.1.0 (also tagged jray/jray:latest) and what it needs, reusing
# whatever exists already:
#   1. the distribution (driver/target/lib), with ./mvnw when it is missing or older than the sources
#      (the rule bin/jray uses);
#   2. the base image jray/base:bookworm when no BASE_IMAGE is given: Debian bookworm (debootstrap
#      from the mirror in /etc/apt, so no image registry is needed) with a JRE 25 jlinked from the
#      local JDK 25 into /opt/java/openjdk, where the Temurin images have theirs;
#   3. the JRay image from docker/Dockerfile, unless one built from the same distribution exists.
# With everything in place it takes about a second. Usage: docker/build-image.sh [--force]
#   BASE_IMAGE=eclipse-temurin:25-jre docker/build-image.sh   builds on a public base instead
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE=jray/jray:0.1.0
BASE=jray/base:bookworm
FORCE=0
[ "${1:-}" = --force ] && FORCE=1
say() { echo "build-image: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
  say "cannot reach the Docker engine (docker info failed); start dockerd first"
  exit 1
fi

# 1. distribution
LIB="$ROOT/driver/target/lib"
STAMP="$LIB/jray-driver-0.1.0-SNAPSHOT.jar"
if [ ! -f "$STAMP" ] || [ -n "$(find "$ROOT" \( -name target -o -name .git \) -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$STAMP" -print -quit 2>/dev/null)" ]; then
  say "building the JRay distribution with ./mvnw (missing, or older than the sources)"
  "$ROOT/mvnw" -B -q -DskipTests install
fi

# 2. base image
if [ -z "${BASE_IMAGE:-}" ]; then
  BASE_IMAGE=$BASE
  if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    . "$ROOT/bin/find-java.sh" # the JDK 25 whose jlink makes the image's runtime
    if ! command -v debootstrap >/dev/null 2>&1; then
      say "installing Debian's debootstrap"
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null; }
    fi
    # the mirror apt already uses: a deb822 "URIs:" line or a one-line "deb URL bookworm" entry
    MIRROR=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *\([^ ]*\).*/\1/p' | grep -v security | head -n 1 || true)
    [ -n "$MIRROR" ] || MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) bookworm .*/\2/p' | head -n 1 || true)
    [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
    DIR=$(mktemp -d /tmp/jray-base.XXXXXX)
    trap 'rm -rf "$DIR"' EXIT
    say "debootstrap bookworm from $MIRROR into $DIR (about a minute)"
    debootstrap --variant=minbase bookworm "$DIR/rootfs" "$MIRROR" > "$DIR/debootstrap.log" 2>&1 \
      || { tail -n 20 "$DIR/debootstrap.log" >&2; exit 1; }
    rm -rf "$DIR/rootfs/var/cache/apt/archives/"*.deb "$DIR/rootfs/var/lib/apt/lists/"*
    # the modules jdeps finds in JRay's jars, plus what the JDK's tools and TLS need at run time
    MODULES=java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml
    MODULES=$MODULES,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns
    MODULES=$MODULES,jdk.unsupported,jdk.zipfs,jdk.jcmd
    say "jlinking a JRE 25 from $JAVA_HOME ($MODULES)"
    mkdir -p "$DIR/rootfs/opt/java"
    "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
      --output "$DIR/rootfs/opt/java/openjdk"
    tar -C "$DIR/rootfs" -c . | docker import \
      --change 'ENV JAVA_HOME=/opt/java/openjdk' \
      --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      - "$BASE" >/dev/null
    rm -rf "$DIR"
    trap - EXIT
    say "built $BASE"
  fi
fi

# 3. the JRay image: the label records what it was built from, so an unchanged distribution is reused
DIST=$(cd "$ROOT" && { echo "$BASE_IMAGE"; docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true;
  cat docker/Dockerfile .dockerignore; find bin driver/target/lib -type f -printf '%p %s %T@\n' | sort; } | sha256sum | cut -c1-16)
HAVE=$(docker image inspect -f '{{index .Config.Labels "io.jray.dist"}}' "$IMAGE" 2>/dev/null || true)
if [ "$FORCE" = 0 ] && [ "$HAVE" = "$DIST" ]; then
  say "$IMAGE is up to date (distribution $DIST)"
else
  say "building $IMAGE on $BASE_IMAGE"
  OLD=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  # the legacy builder's deprecation notice is noise here: the image needs no BuildKit feature
  docker build -q -f "$ROOT/docker/Dockerfile" --build-arg BASE_IMAGE="$BASE_IMAGE" --label io.jray.dist="$DIST" \
    -t "$IMAGE" -t jray/jray:latest "$ROOT" 2> >(grep -v -e 'legacy builder is deprecated' -e 'buildx component' \
    -e 'docs.docker.com/go/buildx' -e '^ *$' >&2) >/dev/null
  # the image this one replaces, now untagged, unless a container still uses it
  if [ -n "$OLD" ] && [ "$OLD" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    docker rmi "$OLD" >/dev/null 2>&1 || true
  fi
  say "built $IMAGE (distribution $DIST)"
fi
