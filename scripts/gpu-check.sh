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

# Energy: NVML's total-energy counter (mJ since the driver loaded) and GPU time around a short
# load, the raw answers the run probe's energy fields are made from (fixtures/nvml/*energy*).
"$PY" - "$OUT" <<'PYEOF' 2>&1 | tee -a "$OUT/gpu-check.log"
import json, subprocess, sys, time
from pathlib import Path
import pynvml
out = Path(sys.argv[1])
pynvml.nvmlInit()
handle = pynvml.nvmlDeviceGetHandleByIndex(0)
def sample():
    return {
        "time": time.time(),
        "energy_mj": pynvml.nvmlDeviceGetTotalEnergyConsumption(handle),
        "power_mw": pynvml.nvmlDeviceGetPowerUsage(handle),
        "utilization_gpu": pynvml.nvmlDeviceGetUtilizationRates(handle).gpu,
    }
load = "import torch,time\nx=torch.randn(8192,8192,device='cuda')\nend=time.time()+8\nwhile time.time()<end: y=x@x\ntorch.cuda.synchronize()\n"
start = sample()
done = subprocess.run(["/opt/torch/.venv/bin/python", "-c", load], capture_output=True, text=True, timeout=120)
end = sample()
answer = {
    "driver_version": pynvml.nvmlSystemGetDriverVersion(),
    "name": pynvml.nvmlDeviceGetName(handle),
    "load": "8 s of 8192x8192 float32 matmuls in torch" if done.returncode == 0 else f"load failed: {done.stderr[-300:]}",
    "start": start,
    "end": end,
}
(out / "nvml-energy.json").write_text(json.dumps(answer, indent=2) + "\n")
print("energy:", (end["energy_mj"] - start["energy_mj"]) / 1000, "J over", round(end["time"] - start["time"], 1), "s")
PYEOF

# The same counters as drift run reads them (driftbom.inputs.resources.RealEnergy), every GPU,
# before and after a load on each: saved as $OUT/nvml-energy-reads.json, the format of
# fixtures/nvml/energy-*.json (commit it as fixtures/nvml/energy-<machine>.json).
"$PY" - "$OUT" <<'PYEOF' 2>&1 | tee -a "$OUT/gpu-check.log"
import json, subprocess, sys, time
from pathlib import Path
import pynvml
from driftbom.inputs.resources import RealEnergy
out = Path(sys.argv[1])
pynvml.nvmlInit()
count = pynvml.nvmlDeviceGetCount()
machine = f"{count}x {pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(0))}, driver {pynvml.nvmlSystemGetDriverVersion()}"
pynvml.nvmlShutdown()
load = ("import torch,time\nxs=[torch.randn(8192,8192,device=f'cuda:{i}') for i in range(torch.cuda.device_count())]\n"
        "end=time.time()+8\nwhile time.time()<end:\n  ys=[x@x for x in xs]\ntorch.cuda.synchronize()\n")
def read():
    return {"time": time.time(), **RealEnergy().read().to_json()}
first = read()
done = subprocess.run(["/opt/torch/.venv/bin/python", "-c", load], capture_output=True, text=True, timeout=120)
last = read()
answer = {
    "machine": machine,
    "load": "8 s of 8192x8192 float32 matmuls in torch on every GPU" if done.returncode == 0 else f"load failed: {done.stderr[-300:]}",
    "reads": [first, last],
}
(out / "nvml-energy-reads.json").write_text(json.dumps(answer, indent=2) + "\n")
print("energy reads:", {k: (last["energy_mj"][k] - v) / 1000 for k, v in first["energy_mj"].items()}, "J")
PYEOF
