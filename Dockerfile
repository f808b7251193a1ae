# The fraudrings service (API, ingest and detection jobs). Neo4j runs as its own
# container from the official image (see docker-compose.yml).
# The workbench's front-end packages, from npm at build time (never from a CDN at run time).
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --uid 10001 --home /app fraudrings

COPY pyproject.toml README.md ./
COPY fraudrings ./fraudrings
COPY web/app ./web/app
COPY --from=web /web/node_modules ./web/node_modules
# the CJK font of the referral PDFs (referral/fonts.py finds it here)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
# editable, so the packages and the files beside them (queries/, web/) stay in /app
RUN pip install --no-cache-dir -e . && mkdir -p /app/data && chown fraudrings /app/data

USER fraudrings
EXPOSE 8000
# The default job is the API; the same image runs `fraudrings ingest` / `detect` as one-off jobs.
CMD ["fraudrings", "serve", "--host", "0.0.0.0", "--port", "8000"]
