# One image for web (gunicorn), the Celery worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# Where each process of a container (gunicorn's workers, the Celery pool) writes its metrics for
# the scrape to add up (prometheus-client's multiprocess mode; portal/metrics.py).
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev

COPY . .
# Hashed, compressed static files for WhiteNoise (production storage needs these settings set).
RUN DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0

# /fakes: the fake Zuora and Salesforce keep their state there (a volume in compose).
RUN useradd --system --home /app portal && mkdir -p /app/media /fakes "$PROMETHEUS_MULTIPROC_DIR" \
    && chown -R portal /app/media /fakes "$PROMETHEUS_MULTIPROC_DIR"
USER portal

# No HEALTHCHECK here: the image also runs the worker and beat, which serve no HTTP. Probe web
# with /livez (liveness) and /readyz (readiness); docker-compose.yml does.
EXPOSE 8000
# Workers (WEB_CONCURRENCY, default 2), JSON logs, the metrics' multiprocess hooks: the file.
CMD ["gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"]
