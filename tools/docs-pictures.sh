#!/usr/bin/env bash
# Makes the pictures of the README (docs/*.png) with lgan's own commands:
# 30 epochs of the default model, then its grids after epochs 1, 5 and
# 30, its loss curves and its timelapse, and a worksheet.
#
#   tools/docs-pictures.sh [RUN-FOLDER]
#
# Needs `make` and `make data` first; takes about 6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/docs}
lgan() { lua5.4 bin/lgan "$@"; }

[[ -f $run/checkpoint.safetensors ]] || lgan train --epochs 30 --out "$run"
mkdir -p docs
for e in 001 005 030; do
    cp "$run/epoch-$e.png" "docs/epoch-$e.png"
done
# The run drew losses.png at its end; drawn again here so that the
# picture follows lgan.plot as it is now.
LUA_PATH='lua/?.lua;lua/?/init.lua;;' lua5.4 -e \
    "assert(require 'lgan.plot'.losses('$run/metrics.csv', '$run/losses.png', 'lgan train --epochs 30'))"
cp "$run/losses.png" docs/losses.png
cp "$run/timelapse.png" docs/timelapse.png
echo "docs-pictures: docs/epoch-{001,005,030}.png, losses.png, timelapse.png"
