# The portal's image: gunicorn by default; the Celery worker and beat run the same image
# with another command (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    PORTAL_VAR_DIR=/app/var \
    MEDIA_ROOT=/data/uploads

WORKDIR /app

# The dependencies first, from the hashed lock alone (pip refuses a file whose hash
# differs; `make lock` writes it from pyproject.toml), so a code change reuses this layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .

# The static files and their manifest (WhiteNoise's CompressedManifestStaticFilesStorage).
# The key only lets the settings load for this command; it is not kept in the image.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key-0123456789 \
    PORTAL_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var

RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/var /data/uploads /srv/static \
    && chown -R portal:portal /app/var /data/uploads /srv/static

USER portal

EXPOSE 8000

# gunicorn.conf.py: threaded workers sized to the box, the access log on stdout
# (docs/decisions/0013-throughput.md).
CMD ["gunicorn", "portal.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
