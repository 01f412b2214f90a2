#!/usr/bin/env bash
# Installs the system packages the e2e tests drive (real registry, real clients, netns tools).
# Idempotent; run as root: `sudo .ci/install-deps.sh`.
#   docker-registry  upstream registry (distribution 2.8); apache2-utils: `htpasswd -B` for its auth
#   skopeo           containers/image client
#   docker.io        dockerd 20.10 + CLI (brings containerd, runc, tini, iptables)
#   containerd       containerd 1.6 + ctr
#   podman           podman 4.3 (brings conmon, runc); the tests pull into a `vfs` store as root,
#                    so fuse-overlayfs, slirp4netns and uidmap (recommends) are not needed
#   nginx-light wrk curl  `npm run bench`: nginx (sendfile) is the warm-blob ceiling, wrk the
#                    manifest GET load (HEAD load is ab, from apache2-utils), curl the blob clients
#   openssl          test CA and server certificates for the TLS tests (test/support/test-certificates.ts)
# Later issues add: ceph.
set -euo pipefail

packages=(
  docker-registry skopeo iproute2 util-linux ca-certificates apache2-utils
  docker.io containerd podman
  nginx-light wrk curl
  openssl
)

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

# The tests start private daemons of their own; keep the packages' init scripts from starting
# system-wide dockerd/containerd during the install (exit 101 = "action forbidden by policy").
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "install-deps: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
