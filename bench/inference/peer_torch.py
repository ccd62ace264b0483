#!/usr/bin/python3
"""The PyTorch peer of bench/inference.bench.ts: predictions recorded the way research code does.

Usage: /usr/bin/python3 bench/inference/peer_torch.py   (a server: one JSON command per stdin
line, one JSON answer per stdout line; the bench starts it, times nothing itself but the passes)

Per pass, as a research script records a model's predictions over a WebDataset shard: read the
shard (tarfile), a Dataset that decodes each image with PIL and applies torchvision's transforms
(Resize shorter side to floor(H / cropPct), CenterCrop H, ToTensor, Normalize: timm's evaluation
transform, the one the farm's worker follows), a DataLoader (num_workers from the command, default
0: decoding in the main process), model.eval() under torch.no_grad(), softmax top-5 per batch,
results concatenated and saved with numpy. torch.set_num_threads(2), the onnxruntime intra-op
threads of the farm and the limit.

Models: torchvision classifiers built as bench/worker/export_imagenet.py exports them
(torch.manual_seed(0), weights=None: the same weights as the ONNX files), and the zoo's cnn-small
(tools/zoo/models.py SmallCNN) with the weights of its ONNX file (batch norm was folded into the
convolutions on export, so the BatchNorm layers are set to the identity; they still run, as they
do in the research code).
"""
import io
import json
import os
import resource
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

ROOT = Path(__file__).resolve().parent.parent.parent
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
INTERPOLATION = {
    "bilinear": transforms.InterpolationMode.BILINEAR,
    "bicubic": transforms.InterpolationMode.BICUBIC,
    "nearest": transforms.InterpolationMode.NEAREST,
}
TOP_K = 5
THREADS = 2


def read_shard(path: str, limit: int) -> list:
    """The first `limit` samples' image bytes, in tar order (WebDataset: key.ext members)."""
    images = []
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = member.name.rsplit("/", 1)[-1]
            ext = name.split(".", 1)[1].lower() if "." in name else ""
            if ext in IMAGE_EXTENSIONS:
                images.append(tar.extractfile(member).read())
                if len(images) >= limit:
                    break
    return images


def make_transform(p: dict):
    """timm's evaluation transform for a resolved preprocessing (libs/cascade's fields)."""
    _, h, w = p["inputSize"]
    scale = int(h / p["cropPct"]) if h == w else (int(h / p["cropPct"]), int(w / p["cropPct"]))
    return transforms.Compose(
        [
            transforms.Resize(scale, interpolation=INTERPOLATION[p["interpolation"]]),
            transforms.CenterCrop((h, w)),
            transforms.ToTensor(),
            transforms.Normalize(p["mean"], p["std"]),
        ]
    )


class ShardImages(Dataset):
    def __init__(self, images: list, p: dict):
        self.images = images
        self.mode = "L" if p["channels"] == "L" else "RGB"
        self.transform = make_transform(p)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        image = Image.open(io.BytesIO(self.images[i])).convert(self.mode)
        return self.transform(image)


def zoo_cnn_small(onnx_path: str) -> torch.nn.Module:
    """tools/zoo's SmallCNN(32, 64, 128) with the ONNX file's weights."""
    import onnx
    from onnx import numpy_helper

    sys.path.insert(0, str(ROOT / "tools" / "zoo"))
    from models import SmallCNN

    model = SmallCNN(32, 64, 128)
    graph = onnx.load(onnx_path).graph
    weights = {
        i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer
    }
    convs = [n for n in graph.node if n.op_type == "Conv"]
    state = model.state_dict()
    for conv, name in zip(convs, ("conv1", "conv2")):
        state[f"{name}.weight"] = weights[conv.input[1]]
        state[f"{name}.bias"] = weights[conv.input[2]]
    for fc in ("fc1", "fc2"):
        state[f"{fc}.weight"] = weights[f"{fc}.weight"]
        state[f"{fc}.bias"] = weights[f"{fc}.bias"]
    for bn in ("bn1", "bn2"):
        # (x − 0) / sqrt((1 − eps) + eps) · 1 + 0 = x: the folded convolutions already hold it.
        eps = getattr(model, bn).eps
        state[f"{bn}.running_mean"] = torch.zeros_like(state[f"{bn}.running_mean"])
        state[f"{bn}.running_var"] = torch.full_like(state[f"{bn}.running_var"], 1 - eps)
        state[f"{bn}.weight"] = torch.ones_like(state[f"{bn}.weight"])
        state[f"{bn}.bias"] = torch.zeros_like(state[f"{bn}.bias"])
    model.load_state_dict(state)
    return model


def build_model(cmd: dict) -> torch.nn.Module:
    if cmd["kind"] == "zoo-cnn-small":
        model = zoo_cnn_small(cmd["onnx"])
    else:
        torch.manual_seed(0)  # as export_imagenet.py: the ONNX file's weights
        model = torchvision.models.get_model(cmd["name"], weights=None)
    return model.eval()


class Peer:
    def __init__(self):
        self.model = None
        self.cmd = None
        self.out_dir = tempfile.mkdtemp(prefix="tinysaver-peer-")

    def load(self, cmd: dict) -> dict:
        started = time.perf_counter()
        self.model = build_model(cmd)
        self.cmd = cmd
        return {"loadMs": (time.perf_counter() - started) * 1000}

    def loader(self, images: list, batch: int, workers: int) -> DataLoader:
        return DataLoader(
            ShardImages(images, self.cmd["preprocess"]),
            batch_size=batch,
            shuffle=False,
            num_workers=workers,
        )

    def run(self, cmd: dict) -> dict:
        """One timed pass: shard file → predictions saved. Wall and CPU (this process and any
        DataLoader worker processes, which are reaped when the loader's iterator ends)."""
        cpu0 = time.process_time()
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        images = read_shard(self.cmd["shard"], cmd["images"])
        classes, probs = [], []
        infer_s = 0.0
        with torch.no_grad():
            for x in self.loader(images, cmd["batch"], cmd.get("workers", 0)):
                t = time.perf_counter()
                p = torch.softmax(self.model(x), dim=1)
                infer_s += time.perf_counter() - t
                top = torch.topk(p, TOP_K, dim=1)
                classes.append(top.indices.numpy().astype(np.int32))
                probs.append(top.values.numpy())
        np.savez(
            os.path.join(self.out_dir, "predictions.npz"),
            classes=np.concatenate(classes),
            probs=np.concatenate(probs),
        )
        ms = (time.perf_counter() - started) * 1000
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_s = (
            children.ru_utime - children0.ru_utime + children.ru_stime - children0.ru_stime
        )
        return {
            "images": len(images),
            "ms": ms,
            "inferMs": infer_s * 1000,
            "cpuMs": (time.process_time() - cpu0 + children_s) * 1000,
            "childCpuMs": children_s * 1000,
        }

    def warm(self, cmd: dict) -> dict:
        """One batch through the model: first calls pick kernels and allocate."""
        _, h, w = self.cmd["preprocess"]["inputSize"]
        c = 1 if self.cmd["preprocess"]["channels"] == "L" else 3
        started = time.perf_counter()
        with torch.no_grad():
            self.model(torch.zeros(cmd["batch"], c, h, w))
        return {"ms": (time.perf_counter() - started) * 1000}

    def tensors(self, cmd: dict) -> dict:
        """The first `count` images as the peer preprocesses them, and the model's softmax: raw
        float32 files the bench compares with the worker's tensors and onnxruntime's output."""
        images = read_shard(self.cmd["shard"], cmd["count"])
        x = next(iter(self.loader(images, len(images), 0)))
        with torch.no_grad():
            p = torch.softmax(self.model(x), dim=1)
        x_path = os.path.join(self.out_dir, "tensors.f32")
        p_path = os.path.join(self.out_dir, "probs.f32")
        x.numpy().astype(np.float32).tofile(x_path)
        p.numpy().astype(np.float32).tofile(p_path)
        return {"count": len(images), "tensors": x_path, "probs": p_path, "classes": p.shape[1]}


def versions() -> dict:
    import PIL

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pil": PIL.__version__,
        "numpy": np.__version__,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "blas": torch.__config__.show().split("BLAS_INFO=")[1].split(",")[0]
        if "BLAS_INFO=" in torch.__config__.show()
        else "unknown",
        "pid": os.getpid(),
    }


def main() -> int:
    torch.set_num_threads(THREADS)
    peer = Peer()
    ops = {"load": peer.load, "run": peer.run, "warm": peer.warm, "tensors": peer.tensors}
    print(json.dumps({"ready": versions()}), flush=True)
    try:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "exit":
                break
            try:
                answer = {"ok": ops[cmd["op"]](cmd)}
            except Exception as error:  # the bench reports it and stops
                answer = {"error": f"{type(error).__name__}: {error}"}
            print(json.dumps(answer), flush=True)
    finally:
        shutil.rmtree(peer.out_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
