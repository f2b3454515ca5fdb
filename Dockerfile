# One image for every service: `wsis run SERVICE` picks one.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    WSIS_DATA_DIR=/data \
    WSIS_LOG_FORMAT=json

RUN pip install --no-cache-dir uv && useradd --create-home --uid 10001 wsis && mkdir /data /acl && chown wsis /data /acl

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
COPY wsis ./wsis
COPY demo ./demo
COPY report ./report
COPY contest ./contest
RUN uv sync --frozen --no-dev

USER wsis
VOLUME ["/data"]
ENTRYPOINT ["wsis"]
CMD ["--help"]
