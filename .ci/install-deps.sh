#!/usr/bin/env bash
# Installs the system packages the e2e tests drive (real registry, real client, netns tools).
# Idempotent; run as root: `sudo .ci/install-deps.sh`.
# Later issues add: podman, containerd, docker.io, nginx, ceph.
set -euo pipefail

packages=(docker-registry skopeo iproute2 util-linux ca-certificates)

if [[ "$(id -u)" -ne 0 ]]; then
  echo "install-deps: must run as root (try: sudo .ci/install-deps.sh)" >&2
  exit 1
fi

# Fast path: a re-run on a prepared machine skips the slow `apt-get update`.
missing=()
for package in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: already installed: ${packages[*]}"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
