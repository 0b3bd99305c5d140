# Sourced by bin/demo (and by tests/portal/test_settings.py, which checks what it gives): the
# demo's environment. Every value may be overridden from outside.
#
# Production mode (DEBUG=0), so that people meet the site's own 403, 404 and 500 pages, with
# what the demo needs in place of production's: a public secret key, the loopback host names,
# plain HTTP, static files collected and served by WhiteNoise, email written to .mail/ (one line
# each in this terminal, links whole), plain log lines. DEBUG=1 bin/demo brings Django's
# technical pages back.
export DEBUG="${DEBUG:-0}"
export SECRET_KEY="${SECRET_KEY:-demo-only-public-secret-key-never-use-in-production-7d2e9c41}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]}"
export HTTPS="${HTTPS:-0}"
export EMAIL_URL="${EMAIL_URL:-filemail://}"
# Readable log lines (production's are JSON), and /metrics open to loopback as in development.
export LOG_JSON="${LOG_JSON:-0}"
export METRICS_ALLOWED_NETWORKS="${METRICS_ALLOWED_NETWORKS:-127.0.0.0/8,::1/128}"
# A host in the URL, or kombu warns that none was supplied (it needs none).
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-filesystem://localhost/}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
ZUORA_PORT="${ZUORA_PORT:-8101}"
SALESFORCE_PORT="${SALESFORCE_PORT:-8102}"
export ZUORA_ENDPOINT="http://127.0.0.1:${ZUORA_PORT}/apps/services/a/82.0"
export SALESFORCE_INSTANCE_URL="http://127.0.0.1:${SALESFORCE_PORT}"
export SALESFORCE_TOKEN_URL="http://127.0.0.1:${SALESFORCE_PORT}/services/oauth2/token"
DEVIDP_PORT="${DEVIDP_PORT:-9000}"
export DEVIDP_ISSUER="http://127.0.0.1:${DEVIDP_PORT}/o"
