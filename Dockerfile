# One image for every role (web, worker, beat, migrate); the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pharmacy ./pharmacy
COPY workers ./workers
COPY label_templates ./label_templates
RUN apt-get update && apt-get install -y --no-install-recommends procps \
       fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/* \
    && pip install . \
    && useradd --system --uid 10001 pharmacy \
    && mkdir /app/instance && chown pharmacy /app/instance
USER pharmacy
EXPOSE 8000
CMD ["pharmacy", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
