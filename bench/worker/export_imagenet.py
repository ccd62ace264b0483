#!/usr/bin/python3
"""Export the ImageNet-size models of the worker bench to ONNX.

Usage: /usr/bin/python3 bench/worker/export_imagenet.py OUT_DIR [MODEL ...]

resnet18 and mobilenet_v3_large (or the torchvision classifiers named after OUT_DIR: the
inference bench adds resnet50 and convnext_tiny) from Debian's torchvision with random weights
(weights=None, seeded, nothing downloaded) at 3x224x224 with a symbolic batch axis ("batch"),
opset 17, by bench/profiler/export_torchvision.py's export() (that script's model list has no
mobilenet_v3_large). Speed does not depend on the weights' values.

Writes OUT_DIR/<name>.onnx and OUT_DIR/manifest.json. A model whose file is already there from
the same torch and torchvision is not exported again (delete OUT_DIR to force it). The files are
large (45 MB and 22 MB; resnet50 and convnext_tiny ~100 MB each): keep OUT_DIR outside the
repository.
"""
import json
import sys
from pathlib import Path

import torch
import torchvision

# One export recipe for every bench: the profiler bench's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "profiler"))
from export_torchvision import OPSET, export  # noqa: E402

MODELS = ["resnet18", "mobilenet_v3_large"]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    names = sys.argv[2:] or MODELS
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    manifest_path = out_dir / "manifest.json"
    manifest = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "opset": OPSET,
        "inputShape": ["batch", 3, 224, 224],
        "models": {},
    }
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("torch") == manifest["torch"] and old.get("torchvision") == manifest["torchvision"]:
            manifest["models"] = old.get("models", {})
    for name in names:
        entry = manifest["models"].get(name)
        if entry and (out_dir / entry["file"]).exists():
            print(f"{name}: already exported in {out_dir}", flush=True)
            continue
        print(f"exporting {name} ...", flush=True)
        # Seeded per model, so bench/inference/peer_torch.py rebuilds the same weights.
        torch.manual_seed(0)
        manifest["models"][name] = export(name, out_dir)
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
