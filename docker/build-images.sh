#!/usr/bin/env bash
# Builds the trainwatch role images with the docker CLI, from the build contexts that `./mvnw -B -DskipTests package`
# assembles in containers/target/roles/<role>/ (each: its Dockerfile and lib/ with that role's classpath).
#
#   docker/build-images.sh [--base IMAGE] [--tag TAG] [ROLE...]     roles: monitor trainer bridge broker (default all)
#
#   --base IMAGE   base image, any Debian/Ubuntu-based Java 17 runtime (default: eclipse-temurin:17-jre);
#                  without a registry, trainwatch/jre:17 as made by .ci/docker-setup.sh
#   --tag TAG      tag of the images trainwatch/<role>:TAG (default: latest, what docker-compose.yml uses)
#
# docker-compose.yml builds the monitor and trainer images by itself (`docker compose up --build`); this script is
# for the broker image (KAFKA_IMAGE=trainwatch/broker:latest where apache/kafka cannot be pulled) and for CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="eclipse-temurin:17-jre"
TAG="latest"
ROLES=()
while (($#)); do
  case "$1" in
    --base) BASE="$2"; shift 2 ;;
    --tag) TAG="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    monitor|trainer|bridge|broker) ROLES+=("$1"); shift ;;
    *) echo "build-images: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
((${#ROLES[@]})) || ROLES=(monitor trainer bridge broker)

for role in "${ROLES[@]}"; do
  context="$ROOT/containers/target/roles/$role"
  if ! compgen -G "$context/lib/trainwatch-$role-*.jar" >/dev/null; then
    echo "build-images: $context has no trainwatch-$role jar: run ./mvnw -B -DskipTests package first" >&2
    exit 1
  fi
  started=$SECONDS
  # Host networking: the one RUN step needs no network, and engines without a bridge network have no other.
  docker build --quiet --network host --build-arg "BASE_IMAGE=$BASE" --tag "trainwatch/$role:$TAG" "$context" \
    >/dev/null
  size=$(docker image inspect --format '{{.Size}}' "trainwatch/$role:$TAG")
  echo "trainwatch/$role:$TAG  $((size / 1000000)) MB  (built in $((SECONDS - started)) s on $BASE)"
done
