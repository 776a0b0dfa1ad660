#!/usr/bin/env bash
# Install zkverify into ./.venv and the node tools (solcjs, anvil, ezkl wasm) into ./node_modules.
#   bash scripts/install.sh          # what the demo needs: the core, the torch and trees extras
#   bash scripts/install.sh --dev    # + test/lint tools, the serve and Ray extras, and Debian's
#                                    #   chromium (as root); dev includes the torch extra
# (A verifier needs neither: `pip install zkverify` is the lean core, see the README.)
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
if [ "$dev" = 1 ]; then
  python -m pip install --quiet -e '.[dev,ray]'
else
  python -m pip install --quiet -e '.[torch,trees]'
fi
# hummingbird-ml declares onnx<=1.16.1; its torch backend (all zkverify uses) works with the
# onnx the torch extra installs, so it comes without its declared dependencies (the trees
# extra above brings the ones it imports). See pyproject.toml.
python -m pip install --quiet --no-deps hummingbird-ml==0.4.12
npm ci --no-audit --no-fund --loglevel=error
if [ "$dev" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: Debian's chromium is not installed; browser tests will be skipped" >&2
  fi
fi
echo "installed: $(python -c 'import zkverify; print("zkverify", zkverify.__version__)'), \
node tools: $(ls node_modules/.bin | tr '\n' ' ')"
