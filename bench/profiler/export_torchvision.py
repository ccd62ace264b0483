#!/usr/bin/python3
"""Export torchvision classifiers to ONNX for the profiler accuracy bench.

Usage: /usr/bin/python3 bench/profiler/export_torchvision.py OUT_DIR

Random weights (weights=None): MACs and parameter counts do not depend on the values, and nothing
is downloaded. The batch axis is exported as symbolic ("batch") so the profiler also meets the
Shape/Gather/Concat sub-graphs torch emits for flatten and reshape. Opset 17 is the highest that
torch 1.13 knows and the first with LayerNormalization, so transformer norms stay one node.

Writes OUT_DIR/<name>.onnx and OUT_DIR/manifest.json with, per model, the parameter count torch
reports (sum of numel over model.parameters()) or the reason the export failed. The .onnx files
are large: keep OUT_DIR outside the repository.
"""
import json
import os
import sys
import time
import traceback
from pathlib import Path

import torch
import torchvision

MODELS = [
    "resnet18",
    "resnet50",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "efficientnet_b0",
    "convnext_tiny",
    "regnet_y_400mf",
    "vit_b_16",
    "swin_t",
]
OPSET = 17


def export(name: str, out_dir: Path) -> dict:
    model = torchvision.models.get_model(name, weights=None) if hasattr(
        torchvision.models, "get_model"
    ) else getattr(torchvision.models, name)(weights=None)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    dummy = torch.zeros(1, 3, 224, 224)
    path = out_dir / f"{name}.onnx"
    start = time.time()
    # Not under torch.no_grad(): without autograd, torch 1.13's nn.MultiheadAttention takes its
    # fused fast path (aten::_native_multi_head_attention), which has no ONNX symbolic, and
    # vit_b_16 fails to export. With parameters requiring grad the traced graph uses the plain
    # MatMul/Softmax formulation instead; the computed values are the same.
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    return {
        "file": path.name,
        "torchParams": params,
        "exportSeconds": round(time.time() - start, 1),
    }


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    manifest = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "opset": OPSET,
        "inputShape": [1, 3, 224, 224],
        "models": {},
    }
    # EXPORT_ONLY=vit_b_16,swin_t re-exports a subset (the manifest keeps the other entries).
    only = set(filter(None, os.environ.get("EXPORT_ONLY", "").split(",")))
    manifest_path = out_dir / "manifest.json"
    if only and manifest_path.exists():
        manifest["models"] = json.loads(manifest_path.read_text()).get("models", {})
    for name in MODELS:
        if only and name not in only:
            continue
        print(f"exporting {name} ...", flush=True)
        try:
            manifest["models"][name] = export(name, out_dir)
        except Exception as error:  # record why, keep going with the others
            traceback.print_exc()
            last = str(error).strip().splitlines()
            manifest["models"][name] = {
                "error": f"{type(error).__name__}: {last[0] if last else ''}"[:500]
            }
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
