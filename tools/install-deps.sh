#!/usr/bin/env bash
# Make sure the Debian packages lgan builds, tests and benchmarks with are
# installed.
#
#   tools/install-deps.sh [EXTRA-PACKAGE...]
#
# Checks the base list below plus any package names given as arguments (for
# example `tools/install-deps.sh python3-torch` for the PyTorch comparison).
# Everything present: prints nothing and exits 0. Something missing and running
# as root: runs `apt-get update` once, then `apt-get install -y
# --no-install-recommends` on just the missing packages. Something missing and
# not root: prints what is missing and the command to run, and exits 1.
# Safe to run any number of times.
set -euo pipefail

# gnuplot-nox draws the loss curves of `lgan train` (RUN/losses.png).
base=(lua5.4 liblua5.4-dev lua-busted libopenblas-dev libstb-dev zlib1g-dev
      luarocks lua-argparse lua-cjson lua-dkjson lua-check pkg-config make gcc npm
      gnuplot-nox)

# installed PKG: true when dpkg has PKG installed. npm also counts as present
# when an `npm` command is on PATH: NodeSource's nodejs package ships its own
# npm and conflicts with Debian's, so asking apt for npm there would fail.
installed() {
    local status
    if [[ $1 == npm ]] && command -v npm >/dev/null; then
        return 0
    fi
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ $status == "install ok installed" ]]
}

# LuaRocks knows nothing of Debian's lua-argparse, lua-cjson and lua-dkjson
# and, with no
# way to the rocks server here, `luarocks make` would stop on them.  Its
# rocks_provided setting says the system provides them.
register_debian_rocks() {
    local conf=/etc/luarocks/config-5.4.lua
    [[ -f $conf ]] || return 0
    grep -q 'dkjson' "$conf" && return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: as root, add to $conf:" \
             'rocks_provided = { argparse = "0.7.1-1", ["lua-cjson"] = "2.1.0-1", dkjson = "2.6-1" }' >&2
        return 0
    fi
    cat >>"$conf" <<'LUA'
-- Added by lgan's tools/install-deps.sh: rocks that Debian's packages
-- lua-argparse, lua-cjson and lua-dkjson provide.
rocks_provided = {
   argparse = "0.7.1-1",
   ["lua-cjson"] = "2.1.0-1",
   dkjson = "2.6-1",
}
LUA
}

missing=()
for pkg in "${base[@]}" "$@"; do
    # Skip duplicates (an extra argument may repeat a base package).
    [[ " ${missing[*]} " == *" $pkg "* ]] && continue
    installed "$pkg" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    register_debian_rocks
    exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    {
        echo "install-deps: missing Debian packages: ${missing[*]}"
        echo "install-deps: install them as root with:"
        echo "  apt-get update && $cmd"
    } >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

still=()
for pkg in "${missing[@]}"; do
    installed "$pkg" || still+=("$pkg")
done
if [[ ${#still[@]} -gt 0 ]]; then
    echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
register_debian_rocks
