#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: snapshot it with drift, save the document and the raw NVML
# answer (GPU UUIDs hashed) under $OUT, time the GPU probe, and check the document.
#   here:          scripts/gpu-wheels.sh
#   GPU machine:   OUT=/some/dir scripts/gpu-check.sh      (the device tool sets OUT)
# Commit $OUT/nvml-answer.json as fixtures/nvml/<machine>.json and the snapshot as an example.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
PY=${PYTHON:-python3}
if ls .whl/driftbom-*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --find-links .whl --no-compile --no-cache-dir --target /tmp/drift-site driftbom \
    || { echo "gpu-check: wheel install failed" >&2; exit 2; }
  export PYTHONPATH=/tmp/drift-site${PYTHONPATH:+:$PYTHONPATH}
fi
{
  echo "== nvidia-smi"; timeout 20 nvidia-smi 2>&1 | head -20
  echo "== /proc/driver/nvidia/version"; cat /proc/driver/nvidia/version 2>&1
  echo "== python"; "$PY" --version
} > "$OUT/machine.txt" 2>&1

"$PY" - "$OUT" <<'PYEOF' 2>&1 | tee "$OUT/gpu-check.log"
import json, sys, time
from pathlib import Path
from driftbom.probes.system.gpu import GpuProbe, gpu_id
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.nvml import RealNvml

out = Path(sys.argv[1])
answer = RealNvml().query().to_json()
for gpu in answer["gpus"]:
    gpu["uuid"] = "GPU-hashed-" + gpu_id(gpu["uuid"])  # never commit a raw UUID
(out / "nvml-answer.json").write_text(json.dumps(answer, indent=2) + "\n")
probe, ctx = GpuProbe(), ProbeContext()
times = []
for _ in range(5):
    start = time.perf_counter()
    result = probe.collect(ctx)
    times.append(time.perf_counter() - start)
print("gpu probe:", type(result).__name__, "median %.1f ms" % (sorted(times)[2] * 1000))
PYEOF

"$PY" -m driftbom snapshot --name gpu-check -o "$OUT/gpu-snapshot.cdx.json" 2> "$OUT/snapshot.stderr"
echo "snapshot exit $?" | tee -a "$OUT/gpu-check.log"
cat "$OUT/snapshot.stderr"
"$PY" -m driftbom check "$OUT/gpu-snapshot.cdx.json" "$OUT/gpu-snapshot.cdx.json" | tail -3 | tee -a "$OUT/gpu-check.log"
"$PY" - "$OUT/gpu-snapshot.cdx.json" <<'PYEOF' | tee -a "$OUT/gpu-check.log"
import json, sys
doc = json.load(open(sys.argv[1]))
for c in doc["components"]:
    if c["bom-ref"] in ("nvidia-driver", "cuda", "cudnn", "nccl") or c["bom-ref"].startswith("gpu:"):
        print(c["bom-ref"], c["name"], c.get("version"), {p["name"]: p["value"] for p in c.get("properties", [])})
PYEOF
ls -la "$OUT"
