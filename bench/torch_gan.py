#!/usr/bin/python3
"""The reference MLP GAN in PyTorch, for side-by-side comparison with lgan.

The model and the update are the same as lgan's fused GAN step
(see DESIGN.md, "The job" and "The fused step"):

  presets (layer sizes shared, z ~ N(0, 1) of size 100)
    mlp   generator 100-256-512-1024-784, LeakyReLU(0.2), Tanh output,
          discriminator 784-512-256-1, LeakyReLU(0.2), pixels in [-1, 1]
    seed  the same sizes with ReLU hidden layers and a Sigmoid generator
          output, pixels in [0, 1]
  The discriminator network ends at Linear(256, 1): its sigmoid is folded
  into the loss, BCE computed from logits (BCEWithLogitsLoss).
  Adam, lr 2e-4, betas (0.5, 0.999), eps 1e-8, for both networks.

  one step on a real batch x (B x 784)
    z = randn(B, 100); fake = G(z)
    logits = D(cat[x, fake.detach()])          one stacked batch of 2B rows
    d_loss = bce(logits[:B], 1) + bce(logits[B:], 0)  (means over B rows)
    d_real = mean sigmoid(logits[:B]); d_fake = mean sigmoid(logits[B:])
    D: zero_grad, backward, Adam step
    g_loss = bce(D(fake), 1)    same fake, no new z; non-saturating loss;
                                D's parameters do not require grad here
    G: zero_grad, backward, Adam step

Modes
  --bench   time steps on fixed random batches (no dataset needed); one
            JSON line per repeat and a summary line on stdout
  --train   train on MNIST IDX files from --data; one line per epoch on
            stderr: epoch, seconds, mean d_loss, g_loss, d_real, d_fake

Threads: --threads sets torch.set_num_threads. Debian's PyTorch does its
matrix products in OpenBLAS (BLAS_INFO=generic), whose own threads that
setting does not reach: set OPENBLAS_NUM_THREADS to the same count, or the
products run on every core (with --threads 1, 36 steps/s at batch 256 here
instead of 22). Run with OMP_WAIT_POLICY=PASSIVE in the environment (the
caller sets both) so that idle OpenMP threads sleep instead of spinning,
which otherwise skews timings on a small machine:

  OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 \\
      bench/torch_gan.py --bench --batch 64 --threads 2 --steps 200 \\
      --warmup 20 --repeats 5
  OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 \\
      bench/torch_gan.py --train --data data/mnist --epochs 1 --batch 64 \\
      --threads 2 --seed 1

Note for fair reading of the numbers: PyTorch allocates its activations and
gradients afresh each step, and glibc serves the large ones with mmap/munmap,
so a good part of the time here goes to page faults in the kernel (lgan's
fused step reuses preallocated workspaces). Setting MALLOC_MMAP_THRESHOLD_=
1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 in the environment keeps those
buffers in the heap and makes this script noticeably faster; report which
setting was used.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

NZ = 100
NPIX = 28 * 28
G_SIZES = [NZ, 256, 512, 1024, NPIX]
D_SIZES = [NPIX, 512, 256, 1]
LR, BETAS, EPS = 2e-4, (0.5, 0.999), 1e-8

# preset -> (hidden activation, generator output activation, pixel range)
PRESETS = {
    "mlp": (lambda: nn.LeakyReLU(0.2), nn.Tanh, (-1.0, 1.0)),
    "seed": (nn.ReLU, nn.Sigmoid, (0.0, 1.0)),
}


def mlp(sizes, hidden_act, out_act=None):
    """nn.Sequential of Linear layers with hidden_act between them and
    out_act (if any) after the last one; indices match lgan's state-dict
    keys (generator.0.weight, ...)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(hidden_act())
    if out_act is not None:
        layers.append(out_act())
    return nn.Sequential(*layers)


def build(preset):
    """Generator, discriminator (ending at the logit) and their Adams."""
    hidden, g_out, _ = PRESETS[preset]
    gen = mlp(G_SIZES, hidden, g_out)
    disc = mlp(D_SIZES, hidden)
    opt_g = torch.optim.Adam(gen.parameters(), lr=LR, betas=BETAS, eps=EPS)
    opt_d = torch.optim.Adam(disc.parameters(), lr=LR, betas=BETAS, eps=EPS)
    return gen, disc, opt_g, opt_d


def gan_step(gen, disc, opt_g, opt_d, x, noise):
    """One GAN update on the real batch x; returns a tensor
    [d_loss, g_loss, d_real, d_fake] (no host sync, so timing is not skewed)."""
    b = x.shape[0]
    z = torch.randn(b, NZ, generator=noise)
    fake = gen(z)

    # Discriminator: real and fake rows in one stacked batch.
    logits = disc(torch.cat([x, fake.detach()]))
    real_logits, fake_logits = logits[:b], logits[b:]
    ones = torch.ones_like(real_logits)
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, ones)
              + F.binary_cross_entropy_with_logits(
                  fake_logits, torch.zeros_like(fake_logits)))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()

    # Generator: the same fake through the updated D; gradients flow through
    # D to its input only, D's weight gradients are not computed.
    disc.requires_grad_(False)
    g_loss = F.binary_cross_entropy_with_logits(disc(fake), ones)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    disc.requires_grad_(True)

    with torch.no_grad():
        return torch.stack([d_loss, g_loss,
                            torch.sigmoid(real_logits).mean(),
                            torch.sigmoid(fake_logits).mean()])


# ---------------------------------------------------------------- MNIST ---

def read_idx(path):
    """An IDX file (plain or .gz) as a numpy uint8 array of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(ndim))
    count = int(np.prod(shape))
    if len(data) != header + count:
        raise ValueError(f"{path}: expected {header + count} bytes for shape "
                         f"{shape}, found {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist_train(data_dir, pixel_range):
    """The 60000 training images as an N x 784 float32 tensor in pixel_range."""
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            break
    else:
        sys.exit(f"torch_gan: no train-images-idx3-ubyte[.gz] in {data_dir} "
                 "(run tools/fetch-mnist.sh)")
    images = read_idx(path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        sys.exit(f"torch_gan: {path}: expected N x 28 x 28 images, "
                 f"found shape {images.shape}")
    x = torch.from_numpy(images.reshape(-1, NPIX).astype(np.float32))
    lo, hi = pixel_range
    return x / (255.0 / (hi - lo)) + lo    # mlp: x/127.5 - 1, seed: x/255


# ---------------------------------------------------------------- modes ---

def emit(record):
    print(json.dumps(record), flush=True)


def bench(args):
    """Time --steps steps, --repeats times, after --warmup untimed steps."""
    torch.manual_seed(args.seed)
    gen, disc, opt_g, opt_d = build(args.preset)
    noise = torch.Generator().manual_seed(args.seed + 1)
    lo, hi = PRESETS[args.preset][2]
    data = torch.Generator().manual_seed(args.seed + 2)
    batches = [torch.rand(args.batch, NPIX, generator=data) * (hi - lo) + lo
               for _ in range(8)]

    step = 0
    for _ in range(args.warmup):
        gan_step(gen, disc, opt_g, opt_d, batches[step % len(batches)], noise)
        step += 1

    base = {"impl": "torch", "preset": args.preset, "batch": args.batch,
            "threads": args.threads}
    rates = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            stats = gan_step(gen, disc, opt_g, opt_d,
                             batches[step % len(batches)], noise)
            step += 1
        stats = stats.tolist()
        seconds = time.perf_counter() - t0
        rates.append(args.steps / seconds)
        emit({**base, "repeat": r + 1, "steps": args.steps,
              "seconds": round(seconds, 4),
              "steps_per_s": round(rates[-1], 2),
              "d_loss": round(stats[0], 4), "g_loss": round(stats[1], 4)})
    median = statistics.median(rates)
    emit({**base, "summary": True, "steps": args.steps,
          "repeats": args.repeats, "steps_per_s": round(median, 2),
          "median": round(median, 2), "min": round(min(rates), 2),
          "max": round(max(rates), 2),
          "torch": torch.__version__})


def train(args):
    """Train on MNIST for --epochs epochs; one line per epoch on stderr."""
    t_start = time.perf_counter()
    x = load_mnist_train(args.data, PRESETS[args.preset][2])
    torch.manual_seed(args.seed)
    gen, disc, opt_g, opt_d = build(args.preset)
    noise = torch.Generator().manual_seed(args.seed + 1)
    shuffle = torch.Generator().manual_seed(args.seed + 2)
    n_batches = x.shape[0] // args.batch       # the last partial batch is dropped
    print(f"torch_gan: preset {args.preset}, {x.shape[0]} images, batch "
          f"{args.batch}, {n_batches} steps/epoch, {args.threads} threads, "
          f"torch {torch.__version__}, loaded in "
          f"{time.perf_counter() - t_start:.2f} s", file=sys.stderr)

    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=shuffle)
        total = torch.zeros(4)
        for i in range(n_batches):
            batch = x[order[i * args.batch:(i + 1) * args.batch]]
            total += gan_step(gen, disc, opt_g, opt_d, batch, noise)
        d_loss, g_loss, d_real, d_fake = (total / n_batches).tolist()
        print(f"epoch {epoch} {time.perf_counter() - t0:.2f} s "
              f"d_loss {d_loss:.4f} g_loss {g_loss:.4f} "
              f"d_real {d_real:.4f} d_fake {d_fake:.4f}",
              file=sys.stderr, flush=True)
    print(f"torch_gan: total {time.perf_counter() - t_start:.2f} s",
          file=sys.stderr)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Reference MLP GAN in PyTorch (same model and update "
                    "as lgan's fused step).")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--bench", action="store_true",
                      help="time steps on fixed random batches")
    mode.add_argument("--train", action="store_true",
                      help="train on MNIST from --data")
    p.add_argument("--preset", choices=sorted(PRESETS), default="mlp")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1,
                   help="torch.set_num_threads (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=200,
                   help="bench: timed steps per repeat")
    p.add_argument("--warmup", type=int, default=20,
                   help="bench: untimed steps first")
    p.add_argument("--repeats", type=int, default=5,
                   help="bench: timed repeats")
    p.add_argument("--data", default="data/mnist",
                   help="train: folder with the MNIST IDX files")
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args(argv)
    for name in ("batch", "threads", "steps", "repeats", "epochs"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if args.warmup < 0:
        p.error("--warmup must not be negative")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.bench:
        bench(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
