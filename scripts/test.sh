#!/usr/bin/env bash
# The whole test suite: set-up, type-check (tsc --noEmit, strict), lint (Biome) and every vitest test.
# Exits non-zero when any of the three fails; all three always run so one report shows everything.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --services || exit 1
export OMP_WAIT_POLICY=PASSIVE

status=0
echo "== type-check" >&2
if npx --no-install tsc --noEmit -p tsconfig.json; then echo "typecheck: ok" > .check-typecheck; else status=1; echo "typecheck: failed" > .check-typecheck; fi
echo "== lint" >&2
if npx --no-install biome lint .; then echo "lint: ok" > .check-lint; else status=1; echo "lint: failed" > .check-lint; fi
echo "== tests" >&2
npx --no-install vitest run "$@" || status=1
exit "$status"
