# One image for every service: `wsis run SERVICE` picks one. Compose sets
# WSIS_SERVICE in each service's container: the health check reads it.
#   docker build -t wsis-prizes:latest .
ARG PYTHON_IMAGE=python:3.11-slim

# Builder: uv (pinned) installs the locked dependencies and the project,
# not editable, into /opt/venv; nothing else of this stage is kept.
FROM ${PYTHON_IMAGE} AS builder
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
# Dependencies first: a change of code alone reuses this layer.
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
COPY wsis ./wsis
COPY demo ./demo
COPY report ./report
COPY contest ./contest
RUN uv sync --frozen --no-dev --no-editable

# Runtime: the venv (the project and the contest files inside it), a user
# without privileges, a data dir only that user may read.
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    WSIS_DATA_DIR=/data \
    WSIS_LOG_FORMAT=json
RUN useradd --create-home --uid 10001 wsis \
    && mkdir -m 0700 /data /acl \
    && chown wsis:wsis /data /acl
COPY --from=builder /opt/venv /opt/venv
USER wsis
WORKDIR /home/wsis
VOLUME ["/data"]
# Healthy while a consumer of $WSIS_SERVICE on this host reads its streams.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["wsis", "health"]
ENTRYPOINT ["wsis"]
CMD ["--help"]
