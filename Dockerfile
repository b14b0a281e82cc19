# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 fonts-noto-color-emoji gettext \
       postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY crm ./crm
COPY clients ./clients
COPY routes ./routes
COPY billing ./billing
COPY labs ./labs
COPY reports ./reports
RUN pip install .
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput

RUN useradd --create-home kolo && mkdir -p /app/var/media && chown -R kolo /app/var
USER kolo
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "crm.asgi:application"]
