#!/usr/bin/python3
"""Builds the Fashion-MNIST zoo and the WebDataset shards the farm's demo and tests use.

Run from the repository root:  /usr/bin/python3 tools/zoo/build.py [--threads 2] [--only NAME ...]

Needs Debian's python3-torch, python3-torchvision, python3-onnx, python3-pil, python3-numpy and
dataset-fashion-mnist. Trains every model with a fixed seed on the first 50,000 training images,
never on the selection split (the other 10,000 training images) or the evaluation split (the
official 10,000 test images). Writes, under fixtures/:
  zoo/models/<name>.onnx, zoo/manifest.json, zoo/reference.json.gz  (PyTorch's top-1 per sample)
  datasets/fashion-mnist-{selection,evaluation}/<split>-00000N.tar.gz + manifest.json
Trained weights are cached in tools/zoo/.cache so a rerun only exports and evaluates.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import MLP, Linear, MirrorEnsemble, ResNet, SmallCNN  # noqa: E402

DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
FMNIST_NORM = ([0.2860], [0.3530])
HALF_NORM = ([0.5], [0.5])
SHARD_SIZE = 2500
ROOT = os.getcwd()
OUT = os.path.join(ROOT, 'fixtures')
CACHE = os.path.join(ROOT, 'tools', 'zoo', '.cache')

# name -> (factory, normalisation, epochs, optimiser, augment)
ZOO = {
    'linear': (lambda: Linear(), HALF_NORM, 5, 'adam', False),
    'mlp-64': (lambda: MLP(64), HALF_NORM, 10, 'adam', False),
    'mlp-256': (lambda: MLP(256), FMNIST_NORM, 10, 'adam', False),
    'cnn-tiny': (lambda: SmallCNN(8, 16, 64), FMNIST_NORM, 10, 'sgd', True),
    'cnn-small': (lambda: SmallCNN(32, 64, 128), FMNIST_NORM, 6, 'sgd', True),
    'resnet-8': (lambda: ResNet(16, 1), FMNIST_NORM, 10, 'sgd', True),
    # Two ResNet-14 members over the image and its mirror: four passes in one graph.
    'resnet-ens': (None, FMNIST_NORM, 12, 'sgd', True),
}
ENSEMBLE_MEMBERS = 2


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], 'big')
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def load_splits():
    train_x, train_y = read_idx('train-images-idx3-ubyte.gz'), read_idx('train-labels-idx1-ubyte.gz')
    test_x, test_y = read_idx('t10k-images-idx3-ubyte.gz'), read_idx('t10k-labels-idx1-ubyte.gz')
    return {
        'train': (train_x[:50000], train_y[:50000], [f'train-{i:06d}' for i in range(50000)]),
        'selection': (train_x[50000:], train_y[50000:], [f'train-{i:06d}' for i in range(50000, 60000)]),
        'evaluation': (test_x, test_y, [f'test-{i:06d}' for i in range(10000)]),
    }


def normalise(images_u8, norm):
    x = torch.from_numpy(images_u8.astype(np.float32) / np.float32(255)).unsqueeze(1)
    mean, std = norm
    return (x - mean[0]) / std[0]


def augment(x, generator):
    """Random 2-pixel shifts and horizontal flips, per sample."""
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2), value=float(x.min()))
    dx = torch.randint(0, 5, (n,), generator=generator)
    dy = torch.randint(0, 5, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
        out[i] = torch.flip(crop, dims=[2]) if flip[i] else crop
    return out


def train(model, name, seed, norm, epochs, optimiser, use_augment, data):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x_all = normalise(data['train'][0], norm)
    y_all = torch.from_numpy(data['train'][1].astype(np.int64))
    batch = 128
    steps = epochs * ((len(y_all) + batch - 1) // batch)
    if optimiser == 'adam':
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y_all), generator=generator)
        for b in range(0, len(order), batch):
            idx = order[b:b + batch]
            x = x_all[idx]
            if use_augment:
                x = augment(x, generator)
            opt.zero_grad()
            F.cross_entropy(model(x), y_all[idx]).backward()
            opt.step()
            sched.step()
        print(f'  {name}: epoch {epoch + 1}/{epochs} done at {time.time() - start:.0f}s', flush=True)
    model.eval()
    return time.time() - start


def build_model(name, data):
    factory, norm, epochs, optimiser, use_augment = ZOO[name]
    os.makedirs(CACHE, exist_ok=True)
    cache = os.path.join(CACHE, f'{name}.pt')
    # Seed before constructing: initial weights come from the global generator, which torch
    # does not seed the same way in every process.
    if name == 'resnet-ens':
        members = []
        for i in range(ENSEMBLE_MEMBERS):
            torch.manual_seed(1000 + i)
            members.append(ResNet(16, 2))
        model = MirrorEnsemble(members)
    else:
        torch.manual_seed(sum(map(ord, name)))
        model = factory()
    seconds = 0.0
    timing = os.path.join(CACHE, f'{name}.seconds')  # training time, kept for the manifest
    if os.path.exists(cache):
        model.load_state_dict(torch.load(cache))
        with open(timing) as f:
            seconds = float(f.read())
        print(f'{name}: loaded cached weights', flush=True)
    else:
        print(f'{name}: training', flush=True)
        if name == 'resnet-ens':
            for i, member in enumerate(members):
                seconds += train(member, f'{name}[{i}]', 1000 + i, norm, epochs, optimiser, use_augment, data)
        else:
            seconds = train(model, name, sum(map(ord, name)), norm, epochs, optimiser, use_augment, data)
        torch.save(model.state_dict(), cache)
        with open(timing, 'w') as f:
            f.write(repr(seconds))
    model.eval()
    return model, norm, seconds


def count_macs(model):
    """MACs of one 28x28 sample, counted by forward hooks on Conv2d and Linear (every call)."""
    total = [0]

    def conv_hook(m, inputs, output):
        per_out = (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        total[0] += output[0].numel() * per_out

    def linear_hook(m, inputs, output):
        total[0] += output[0].numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return total[0]


def predict(model, images_u8, norm):
    x = normalise(images_u8, norm)
    top1, conf = [], []
    with torch.no_grad():
        for b in range(0, len(x), 500):
            probs = torch.softmax(model(x[b:b + 500]), dim=1)
            c, k = probs.max(dim=1)
            top1.append(k)
            conf.append(c)
    return torch.cat(top1).numpy().astype(np.int64), torch.cat(conf).numpy().astype(np.float32)


def export_onnx(model, path):
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), path, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13,
        do_constant_folding=True,
    )
    import onnx
    onnx.checker.check_model(onnx.load(path))


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_shards(split, images, labels, keys, dataset_name, prefix):
    """Deterministic WebDataset shards: <key>.png + <key>.cls, ustar, mtime 0, gzip without name/time."""
    folder = os.path.join(OUT, 'datasets', dataset_name)
    os.makedirs(folder, exist_ok=True)
    shards = []
    for s, start in enumerate(range(0, len(labels), SHARD_SIZE)):
        name = f'{prefix}-{s:06d}.tar.gz'
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode='w', format=tarfile.USTAR_FORMAT) as tar:
            for i in range(start, min(start + SHARD_SIZE, len(labels))):
                png = io.BytesIO()
                Image.fromarray(images[i], mode='L').save(png, format='PNG')
                for ext, payload in (('png', png.getvalue()), ('cls', str(int(labels[i])).encode())):
                    info = tarfile.TarInfo(f'{keys[i]}.{ext}')
                    info.size, info.mtime, info.mode = len(payload), 0, 0o644
                    info.uid = info.gid = 0
                    info.uname = info.gname = ''
                    tar.addfile(info, io.BytesIO(payload))
        path = os.path.join(folder, name)
        with open(path, 'wb') as f:
            with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0, compresslevel=9) as gz:
                gz.write(raw.getvalue())
        count = min(start + SHARD_SIZE, len(labels)) - start
        shards.append({'file': name, 'samples': count, 'bytes': os.path.getsize(path), 'sha256': sha256(path)})
    manifest = {
        'format': 'tinysaver-webdataset/1', 'name': dataset_name, 'classes': CLASSES,
        'samples': int(len(labels)), 'shards': shards,
    }
    with open(os.path.join(folder, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'{dataset_name}: {len(shards)} shards, {sum(s["bytes"] for s in shards)} bytes', flush=True)


def float32_list(values):
    # The shortest decimal that reads back as the same float32 (Math.fround(x) in JS).
    return [float(repr(np.float32(v))) for v in values]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--only', nargs='*', default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    started = time.time()
    data = load_splits()

    write_shards('selection', *data['selection'], 'fashion-mnist-selection', 'selection')
    write_shards('evaluation', *data['evaluation'], 'fashion-mnist-evaluation', 'evaluation')

    os.makedirs(os.path.join(OUT, 'zoo', 'models'), exist_ok=True)
    manifest_path = os.path.join(OUT, 'zoo', 'manifest.json')
    reference_path = os.path.join(OUT, 'zoo', 'reference.json.gz')
    entries, reference = {}, {'labels': {}, 'keys': {}, 'models': {}}
    for split in ('selection', 'evaluation'):
        reference['labels'][split] = [int(v) for v in data[split][1]]
        reference['keys'][split] = data[split][2]
    for name in ZOO:
        if args.only and name not in args.only:
            continue
        model, norm, seconds = build_model(name, data)
        path = os.path.join(OUT, 'zoo', 'models', f'{name}.onnx')
        export_onnx(model, path)
        accuracy, preds = {}, {}
        for split in ('selection', 'evaluation'):
            top1, conf = predict(model, data[split][0], norm)
            accuracy[split] = float((top1 == data[split][1]).mean())
            preds[split] = {'top1': [int(v) for v in top1], 'confidence': float32_list(conf)}
        reference['models'][name] = preds
        entries[name] = {
            'name': name,
            'file': f'models/{name}.onnx',
            'sha256': sha256(path),
            'bytes': os.path.getsize(path),
            'preprocess': {
                'inputSize': [1, 28, 28], 'mean': norm[0], 'std': norm[1], 'cropPct': 1.0,
                'interpolation': 'bilinear', 'channels': 'L',
            },
            'macs': count_macs(model),
            'params': sum(p.numel() for p in model.parameters()),
            'accuracy': accuracy,
            'trainSeconds': round(seconds, 1),
        }
        print(f'{name}: {entries[name]["macs"]} MACs, selection {accuracy["selection"]:.4f}, '
              f'test {accuracy["evaluation"]:.4f}', flush=True)
    order = sorted(entries.values(), key=lambda e: e['macs'])
    manifest = {
        'format': 'tinysaver-zoo/1', 'dataset': 'fashion-mnist', 'classes': CLASSES,
        'splits': {'train': 'train-000000..train-049999', 'selection': 'fashion-mnist-selection',
                   'evaluation': 'fashion-mnist-evaluation'},
        'macsCountedBy': 'PyTorch forward hooks on Conv2d and Linear, batch 1, 28x28',
        'torch': torch.__version__, 'models': order,
    }
    with open(manifest_path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    with open(reference_path, 'wb') as f:
        with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(json.dumps(reference, separators=(',', ':')).encode())
    print(f'built in {time.time() - started:.0f}s', flush=True)


if __name__ == '__main__':
    main()
