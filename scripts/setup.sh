#!/usr/bin/env bash
# Idempotent set-up for a fresh clone: npm packages, the native FAISS addon (with its Debian packages),
# the converted face models, and — with --services — the Redis and PostgreSQL the tests talk to.
# Every step checks before it acts, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_services=0
for arg in "$@"; do
  [[ "$arg" == "--services" ]] && with_services=1
done

log() { echo "setup: $*" >&2; }

apt_install() {
  local missing=()
  for package in "$@"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them)"
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_redis() {
  local host=127.0.0.1 port=6379
  if [[ -n "${REDIS_URL:-}" ]]; then return 0; fi
  if command -v redis-cli >/dev/null && redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  log "starting Redis on $host:$port"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "Redis did not start"; return 1
}

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return 0; fi
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  log "starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { log "PostgreSQL did not start"; return 1; }
}

# npm packages: reinstall only when package-lock.json changed since the last install.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.idmatch-lock-sha256
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  log "npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
    # npm 11.19 leaves other platforms' optional packages out of the lock it writes, then refuses that
    # same lock in `npm ci` (EUSAGE, before touching node_modules). `npm install --no-save` installs the
    # locked versions without rewriting the lock.
    log "npm ci refused the lock file; installing the locked versions with npm install --no-save"
    npm install --no-save --no-audit --no-fund --loglevel=error >&2
  fi
  echo "$lock_sum" > "$stamp"
fi

bash native/build.sh
# The default face models: face-api's shipped weights converted to ONNX by our own build step and
# checked against the SHA-256 pinned in models/manifest.json (files that already match are left alone).
node --import tsx models/convert.ts >&2

if ((with_services)); then
  ensure_redis
  ensure_postgres
else
  # The demo needs Redis (the job queue); the embedded store needs nothing.
  ensure_redis
fi
log "ready"
