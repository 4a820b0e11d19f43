# The release image: infermod installed from the release's wheel, run as a non-root user.
# Built by the release pipeline (.gitlab-ci.yml) after `python -m build` put the wheel in dist/;
# the CI/CD component's jobs run in it. The base is pinned by digest: a rebuild of the same
# release gets the same Python; RELEASING.md says how to move the pin.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Exactly one wheel: the release's (the build fails on none or several). pip writes every
# module's bytecode at install: PYTHONDONTWRITEBYTECODE (and the non-root user) would keep each
# run from writing it, and without it every command compiled infermod, click, PyYAML, requests
# and the SDK from source at each start (validate 4.7x its CPU, an unchanged plan 3.5x).
COPY dist/*.whl /tmp/wheel/
# hadolint ignore=DL3013
RUN set -eu; \
    set -- /tmp/wheel/*.whl; [ "$#" -eq 1 ]; \
    pip install "$1"; \
    rm -rf /tmp/wheel; \
    useradd --create-home --uid 10001 --shell /bin/sh infermod; \
    infermod --version

USER 10001:10001
WORKDIR /home/infermod
CMD ["infermod", "--help"]
