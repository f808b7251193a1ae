# The fraudrings service (API, ingest and detection jobs). Neo4j runs as its own
# container from the official image (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --uid 10001 --home /app fraudrings

COPY pyproject.toml README.md ./
COPY fraudrings ./fraudrings
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
COPY queries ./queries
COPY referral ./referral
# the CJK font of the referral PDFs (referral/fonts.py finds it here)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir . && mkdir -p /app/data && chown fraudrings /app/data

USER fraudrings
EXPOSE 8000
# The default job is the API; the same image runs `fraudrings ingest` / `detect` as one-off jobs.
CMD ["fraudrings", "serve", "--host", "0.0.0.0", "--port", "8000"]
