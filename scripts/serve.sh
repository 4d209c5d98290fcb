#!/usr/bin/env bash
# The production-like server: gunicorn, DEBUG off, whitenoise serving compressed, hashed static files.
# Plain http on loopback only (DJANGO_HTTPS=false); a real deployment puts TLS in front (README, Deploying).
# Usage: scripts/serve.sh [--daemon PIDFILE]   Environment: PORT (8000), DATABASE_URL, DJANGO_SECRET_KEY.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_DEBUG=false
export DJANGO_HTTPS=false
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  # A local key kept out of git, made once, so sessions survive a restart.
  [ -s .serve-secret-key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > .serve-secret-key
  DJANGO_SECRET_KEY="$(cat .serve-secret-key)"
  export DJANGO_SECRET_KEY
fi
port="${PORT:-8000}"

.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py setup_roles -v0
.venv/bin/python manage.py load_seed -v0

args=(medinfo.wsgi --bind "127.0.0.1:$port" --workers 2 --worker-class gthread --threads 4 --access-logfile -)
if [ "${1:-}" = "--daemon" ]; then
  args+=(--daemon --pid "$2" --access-logfile /dev/null)
fi
exec .venv/bin/gunicorn "${args[@]}"
