#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: install dependencies, build, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
