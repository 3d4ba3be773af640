#!/usr/bin/env bash
# Set up .venv for this project on a fresh machine with Python 3.11.
#   bash scripts/bootstrap.sh        # runtime: harness + model + demo data
#   bash scripts/bootstrap.sh test   # the same plus the test tools
# torch is pinned to the 2.13.0 CPU build first: a bare `torch` requirement would pull a
# multi-GB CUDA build. On a GPU machine, install your CUDA torch into .venv beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
.venv/bin/python -c "import torch" 2>/dev/null || pip install "torch==2.13.0"
extras="decord,vae,model,demo,vq"
[ "${1:-}" = "test" ] && extras="$extras,test,magvit"
pip install -e ".[$extras]"
# Test mode: the MAGVIT-v2 baselines' model packages (optional extra `magvit`). They pin
# lightning==2.2.0 / transformers==4.37.2 or need torchvision (which does not import beside
# torch 2.13 CPU), so they go in without dependencies; pyratok[magvit] brings what their
# model code imports (benchmarks/tokenizers/optional_imports.py skips the rest).
if [ "${1:-}" = "test" ]; then
  pip install --no-deps "open-magvit2==1.1" "OpenImageTokenizer==0.1.5" "magvit2-pytorch==0.5.1"
fi
# lpips declares torchvision, which does not import beside torch 2.13 and would pull a
# CUDA torch: we only need its linear-layer weights, so it goes in without dependencies.
pip install --no-deps "lpips==0.1.4"
# Test mode: the report page is tested in headless Chromium (tests/benchmarks/reporting/site/test_page.py,
# skipped without it). Installed where missing and apt-get can (root); never fatal.
if [ "${1:-}" = "test" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 \
           && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }; } \
      || echo "bootstrap: could not install chromium (the browser test will be skipped)"
  else
    echo "bootstrap: no chromium and no root apt-get: the browser test will be skipped"
  fi
fi
echo "bootstrap: .venv ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
