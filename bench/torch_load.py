#!/usr/bin/python3
"""Load the generator of an lgan checkpoint into PyTorch and check that it
makes the same images as `lgan sample` from the same noise.

    lua5.4 bin/lgan sample --checkpoint RUN/checkpoint.safetensors \\
        --n 100 --seed 7 --tensors /tmp/samples.safetensors
    /usr/bin/python3 bench/torch_load.py RUN/checkpoint.safetensors \\
        /tmp/samples.safetensors

`lgan sample --tensors FILE` writes the noise it drew (z, n x z_dim) and
the images it made (x, n x x_dim, in the model's pixel range) as float32
tensors in a safetensors file.  This script reads both files with
Python's json and struct modules (no safetensors package), builds the
generator as a torch.nn.Sequential from the layer list in the
checkpoint's metadata, loads the `generator.*` tensors with
load_state_dict (strict: every key must match), runs it on z and compares
with x.  It prints the largest difference and exits 1 if it is above
1e-5 (or if anything does not fit), 0 otherwise.

With the checkpoint alone it loads the generator and prints it.

Needs Debian's python3-torch; no pip packages.
"""

import json
import struct
import sys

import torch

TOLERANCE = 1e-5


def read_safetensors(path):
    """The tensors (name -> float32 torch tensor) and the metadata of a
    safetensors file holding F32 tensors."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    start = 8 + n
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        raw = bytearray(data[start + begin:start + end])
        # safetensors data is little-endian, as float32 is on x86 and ARM.
        t = torch.frombuffer(raw, dtype=torch.float32)
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


def build_generator(layers):
    """A torch.nn.Sequential from lgan's layer list."""
    modules = []
    for layer in layers:
        kind = layer["kind"]
        if kind == "Linear":
            modules.append(torch.nn.Linear(layer["in_features"],
                                           layer["out_features"]))
        elif kind == "LeakyReLU":
            modules.append(torch.nn.LeakyReLU(layer["slope"]))
        elif kind in ("ReLU", "Sigmoid", "Tanh"):
            modules.append(getattr(torch.nn, kind)())
        else:
            raise ValueError(f"unknown layer kind {kind}")
    return torch.nn.Sequential(*modules)


def load_generator(path):
    """The generator of an lgan checkpoint, weights loaded, and the
    checkpoint's lgan metadata."""
    tensors, metadata = read_safetensors(path)
    meta = json.loads(metadata["lgan"])
    gen = build_generator(meta["architecture"]["generator"])
    prefix = "generator."
    state = {name[len(prefix):]: t for name, t in tensors.items()
             if name.startswith(prefix)}
    gen.load_state_dict(state, strict=True)
    gen.eval()
    return gen, meta


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    gen, meta = load_generator(argv[1])
    if len(argv) == 2:
        print(gen)
        print(f"step {meta.get('step')}, epoch {meta.get('epoch')}, "
              f"pixel range {meta['architecture']['range']}")
        return 0

    samples, _ = read_safetensors(argv[2])
    z, x = samples["z"], samples["x"]
    with torch.no_grad():
        y = gen(z)
    if y.shape != x.shape:
        print(f"shapes differ: torch {tuple(y.shape)}, lgan {tuple(x.shape)}")
        return 1
    diff = (y - x).abs().max().item()
    ok = diff <= TOLERANCE
    print(f"{x.shape[0]} images of {x.shape[1]} values: largest difference "
          f"between PyTorch and lgan {diff:.3g} "
          f"({'within' if ok else 'above'} {TOLERANCE:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
