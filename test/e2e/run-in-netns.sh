#!/usr/bin/env bash
# Runs the e2e vitest project inside a fresh network namespace where only loopback is up, so no
# test can reach anything but 127.0.0.1 (the real registry, the mirror and the clients all live
# there). Extra arguments go to vitest, e.g. `bash test/e2e/run-in-netns.sh skopeo`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

fail() {
  echo "run-in-netns: $1" >&2
  echo "run-in-netns: install the e2e dependencies with: sudo .ci/install-deps.sh" >&2
  exit 1
}

if [[ "$(id -u)" -ne 0 ]]; then
  echo "run-in-netns: must run as root (unshare --net needs CAP_SYS_ADMIN); try: sudo npm run test:e2e" >&2
  exit 1
fi
command -v unshare >/dev/null || fail "unshare not found (package util-linux)"
command -v ip >/dev/null || fail "ip not found (package iproute2)"
command -v skopeo >/dev/null || fail "skopeo not found (package skopeo)"
command -v docker-registry >/dev/null || fail "docker-registry not found (package docker-registry)"

# "$@" is passed through bash -c's positional parameters, so arguments are never re-split.
exec unshare --net -- bash -c 'ip link set lo up && exec npx vitest run --project e2e "$@"' run-in-netns "$@"
