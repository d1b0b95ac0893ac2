#!/usr/bin/env bash
# Makes a Docker engine and the local JRE base image available for the container tests, reusing whatever is already
# there. Usage (what .ci/run does):
#
#   eval "$(.ci/docker-setup.sh)"
#
# Progress goes to stderr; stdout carries only `export` lines for the caller:
#   - engine ready: DOCKER_HOST, the Testcontainers settings this engine needs, and TRAINWATCH_BASE_IMAGE;
#   - no engine possible here: TRAINWATCH_DOCKER_UNAVAILABLE with the reason, which the container tests print when
#     they skip. The script exits 0 either way: a machine without Docker is not a failed build.
#
# Why it looks like this (see docs/containers.md): these machines ship only the Docker client, Debian's engine runs
# with the vfs storage driver and without bridge networking, and no registry is reachable, so the base image is a
# debootstrapped Debian with OpenJDK 17 imported as trainwatch/jre:17. Setting TRAINWATCH_DOCKER_SETUP=off skips all
# of it (e.g. on a developer machine with its own engine: then export DOCKER_HOST yourself).
set -euo pipefail

STATE_DIR="${TRAINWATCH_DOCKER_DIR:-/tmp/tw-docker}"
SOCKET="$STATE_DIR/docker.sock"
BASE_IMAGE="trainwatch/jre:17"
BASE_CACHE="$STATE_DIR/cache/jre17-bookworm.tar"
SUITE="bookworm"

log() { echo "docker-setup: $*" >&2; }

unavailable() {
  log "container tests will be SKIPPED: $1"
  printf "export TRAINWATCH_DOCKER_UNAVAILABLE=%q\n" "$1"
  exit 0
}

engine_answers() { DOCKER_HOST="unix://$SOCKET" timeout 10 docker version >/dev/null 2>&1; }

ensure_packages() {
  local missing=()
  command -v docker >/dev/null || missing+=(docker.io)
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null \
    || unavailable "missing ${missing[*]} and cannot install them (needs root and apt-get)"
  log "installing ${missing[*]} from the Debian archive"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      $(printf '%s\n' "${missing[@]}" | sort -u); } >"$STATE_DIR/apt.log" 2>&1 \
    || unavailable "apt-get install ${missing[*]} failed (see $STATE_DIR/apt.log)"
}

start_engine() {
  log "starting dockerd (vfs storage, no bridge; log in $STATE_DIR/dockerd.log)"
  mkdir -p "$STATE_DIR/data" "$STATE_DIR/exec"
  # setsid + closed stdin/stdout: the engine must not hold the caller's terminal or CI's output pipe.
  setsid dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    --data-root "$STATE_DIR/data" --exec-root "$STATE_DIR/exec" --pidfile "$STATE_DIR/dockerd.pid" \
    -H "unix://$SOCKET" </dev/null >"$STATE_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    engine_answers && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  unavailable "dockerd did not start: $(tail -n 3 "$STATE_DIR/dockerd.log" | tr '\n' ' ')"
}

debian_mirror() {
  # The machine's own apt configuration names the mirror; nothing is hard-coded here.
  { grep -rhsE '^URIs:' /etc/apt/sources.list.d/ | awk '{print $2}'
    grep -rhsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/ | awk '{print $2}'
  } | grep -E '/debian/?$' | head -n1 || true
}

ensure_base_image() {
  export DOCKER_HOST="unix://$SOCKET"
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE present"
    return 0
  fi
  if [[ ! -s "$BASE_CACHE" ]]; then
    local mirror rootfs
    mirror="$(debian_mirror)"
    [[ -n "$mirror" ]] || unavailable "no Debian mirror in /etc/apt sources to debootstrap $BASE_IMAGE from"
    rootfs="$(mktemp -d "$STATE_DIR/rootfs.XXXXXX")"
    chmod 755 "$rootfs"   # it becomes the image's /, which the non-root users of the images must traverse
    log "debootstrapping $SUITE with OpenJDK 17 (about a minute; cached in $BASE_CACHE)"
    if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless,passwd "$SUITE" "$rootfs" "$mirror" \
        >"$STATE_DIR/debootstrap.log" 2>&1; then
      rm -rf "$rootfs"
      unavailable "debootstrap failed (see $STATE_DIR/debootstrap.log)"
    fi
    # Package caches and docs are dead weight in every layer (vfs copies each layer in full).
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    mkdir -p "$(dirname "$BASE_CACHE")"
    tar -C "$rootfs" -cf "$BASE_CACHE.tmp" . && mv "$BASE_CACHE.tmp" "$BASE_CACHE"
    rm -rf "$rootfs"
  fi
  log "importing $BASE_IMAGE"
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' "$BASE_CACHE" "$BASE_IMAGE" >/dev/null \
    || unavailable "docker import of $BASE_IMAGE failed"
}

main() {
  if [[ "${TRAINWATCH_DOCKER_SETUP:-on}" == off ]]; then
    unavailable "TRAINWATCH_DOCKER_SETUP=off"
  fi
  mkdir -p "$STATE_DIR"
  local started=$SECONDS
  ensure_packages
  if engine_answers; then
    log "reusing the engine at $SOCKET"
  else
    start_engine
  fi
  ensure_base_image
  # Images replaced by earlier test runs: vfs keeps every layer as a full copy, so they add up fast.
  docker image prune --force >/dev/null 2>&1 || true
  if [[ "${CI:-}" == true ]]; then
    # In CI nothing else uses this engine: whatever an interrupted earlier run left stopped goes too.
    docker container prune --force >/dev/null 2>&1 || true
    docker volume prune --force >/dev/null 2>&1 || true
  fi
  log "ready in $((SECONDS - started)) s ($(docker version --format 'engine {{.Server.Version}}' 2>/dev/null))"
  cat <<ENV
export DOCKER_HOST=unix://$SOCKET
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost
export TRAINWATCH_BASE_IMAGE=$BASE_IMAGE
ENV
}

main "$@"
