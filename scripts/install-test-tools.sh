#!/usr/bin/env bash
# Tools the GitLab end-to-end test needs, outside Python: rsync (gitlab-ci-local's shell
# executor copies the checkout with it) and gitlab-ci-local itself, pinned, into .test-tools/.
# Run once after `pip install -e '.[dev]'`; .ci/run runs it. Tests never install anything:
# without these tools the GitLab end-to-end test is skipped and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
GITLAB_CI_LOCAL_VERSION=4.64.1 # the newest that runs on Node 20; tests/test_gitlab_ci_local.py names it too

if ! command -v rsync >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q rsync >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q rsync >/dev/null; }
  else
    echo "install-test-tools: rsync is missing; install it with your package manager" >&2
    exit 1
  fi
fi

binary=.test-tools/node_modules/.bin/gitlab-ci-local
if [ ! -x "$binary" ] || [ "$("$binary" --version 2>/dev/null)" != "$GITLAB_CI_LOCAL_VERSION" ]; then
  command -v npm >/dev/null || { echo "install-test-tools: npm is missing (needed for gitlab-ci-local)" >&2; exit 1; }
  npm install --no-audit --no-fund --silent --prefix .test-tools "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >/dev/null
fi
echo "install-test-tools: rsync and gitlab-ci-local $GITLAB_CI_LOCAL_VERSION are ready"
