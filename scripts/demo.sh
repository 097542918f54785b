#!/usr/bin/env bash
# The main job on the embedded default store: set up, then run `idmatch demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
exec node bin/idmatch.js demo "$@"
