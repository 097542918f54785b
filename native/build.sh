#!/usr/bin/env bash
# Builds the FAISS addon (native/build/Release/idmatch_faiss.node). Idempotent and quick when nothing
# changed: installs the Debian packages the link needs only when one is missing (as root), and runs
# node-gyp only when the addon is missing or older than a source file.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
addon="$here/build/Release/idmatch_faiss.node"

# libfaiss-dev: FAISS 1.7.3 headers and static library; libopenblas0-pthread: the BLAS and LAPACK behind
# libblas.so.3/liblapack.so.3 (the reference BLAS would make batched search ~10x slower);
# libblas-dev/liblapack-dev: the link-time libblas.so/liblapack.so; libgomp1: OpenMP; g++/make/python3: node-gyp.
packages=(libfaiss-dev libopenblas0-pthread libblas-dev liblapack-dev libgomp1 g++ make python3)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "native/build.sh: missing Debian packages: ${missing[*]} (run this script as root to install them)" >&2
    exit 1
  fi
  echo "native/build.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stale=0
if [[ ! -f "$addon" ]]; then
  stale=1
elif [[ -n "$(find "$here/src" "$here/binding.gyp" -newer "$addon" -print -quit)" ]]; then
  stale=1
fi
if ((stale)); then
  echo "native/build.sh: building the FAISS addon" >&2
  nodedir=()
  # Build against the headers of the Node.js that runs the project (Debian's /usr/include/node when
  # present) instead of downloading them.
  [[ -f /usr/include/node/node_api.h ]] && nodedir=(--nodedir=/usr)
  (cd "$root" && npx --no-install node-gyp rebuild -C native --jobs=2 "${nodedir[@]}" --silent) >&2
  touch "$addon"
fi
echo "native/build.sh: addon ready: ${addon#"$root"/}" >&2
