# drift as a small, non-root image.
#   docker build -t driftbom .
#   docker run --rm -u "$(id -u)" -v "$PWD:/work" -w /work driftbom \
#     snapshot --python /work/.venv/bin/python -o env.cdx.json
# (the venv's interpreter must exist in the image at the path the venv names: make it there)
# BASE_IMAGE lets it build where no registry is reachable (any Debian-based image with python3).
ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python3 -m venv /opt/drift \
 && /opt/drift/bin/python -m pip install --no-cache-dir --disable-pip-version-check .

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="driftbom" \
      org.opencontainers.image.description="Record, compare and rebuild ML environments as CycloneDX SBOMs" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/drift /opt/drift
RUN useradd --system --uid 10001 --home-dir /work --shell /usr/sbin/nologin drift
ENV PATH=/opt/drift/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    DRIFT_CACHE_DIR=/tmp/driftbom-cache
WORKDIR /work
USER 10001
ENTRYPOINT ["drift"]
CMD ["--help"]
