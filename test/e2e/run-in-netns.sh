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
# The client tests use these exact paths (Debian's packages); a missing one is an error, never a skip.
for tool in /usr/bin/skopeo:skopeo /usr/bin/docker-registry:docker-registry /usr/bin/htpasswd:apache2-utils \
  /usr/sbin/dockerd:docker.io /usr/bin/docker:docker.io /usr/bin/containerd:containerd /usr/bin/ctr:containerd \
  /usr/bin/podman:podman; do
  [[ -x "${tool%%:*}" ]] || fail "${tool%%:*} not found (package ${tool##*:})"
done

# "$@" is passed through bash -c's positional parameters, so arguments are never re-split.
exec unshare --net -- bash -c 'ip link set lo up && exec npx vitest run --project e2e "$@"' run-in-netns "$@"
