"""A target environment built to attack drift: secrets everywhere, code in .pth files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def make_venv(root: Path) -> tuple[Path, Path]:
    """Return (python, site-packages) of a new virtualenv without pip under ``root``."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    return venv / "bin" / "python", site


def add_dist(site: Path, name: str, version: str, **files: str) -> Path:
    """Write ``name-version.dist-info`` with METADATA and ``files`` into ``site``."""
    dist = site / f"{name}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist / "INSTALLER").write_text("pip\n")
    for filename, text in files.items():
        (dist / filename.replace("_json", ".json")).write_text(text)
    return dist


def plant_dists(site: Path) -> None:
    """Distributions whose direct_url.json hides secrets in every field it has."""
    add_dist(
        site,
        "planted",
        "1.0",
        direct_url_json=json.dumps(
            {
                "url": "https://bob:canary-d01@files.example.com/planted-1.0.tar.gz?sig=canary-d02",
                "archive_info": {"hash": "sha256=" + "a" * 64, "auth": "canary-d04"},
                "token": "canary-d03",
            }
        ),
    )
    for name, url in (
        ("viavcs", "https://deploy:canary-d05@git.example.com/org/lib.git"),
        ("viavcs2", "https://git.example.com/org/lib2.git?private_token=canary-d06"),
        ("viaspace", "https://bob:canary-d07 with a space@git.example.com/org/lib3.git"),
        ("viascp", "ssh://ghp_canary-d08@git.example.com/org/lib4.git"),
    ):
        add_dist(
            site,
            name,
            "2.0",
            direct_url_json=json.dumps(
                {"url": url, "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
            ),
        )


def _sub(text: str, canary: str) -> str:
    return text.replace("https://pypi.org/simple", f"https://ci:{canary}@pypi.example.com/simple")


def plant_lockfiles(root: Path) -> dict[str, Path]:
    """Every lockfile format, with secrets in its index and source URLs."""
    found = {}
    req = root / "requirements" / "requirements.txt"
    req.parent.mkdir()
    req.write_text(
        "--index-url https://ci:canary-l01@pypi.example.com/simple\n"
        "--extra-index-url https://extra.example.com/simple?token=canary-l02\n"
        "planted @ https://tok:canary-l03@files.example.com/planted-1.0.tar.gz\n"
        "missing @ https://u:canary-l04@files.example.com/missing-1.0.tar.gz#token=canary-l05\n"
    )
    found["requirements"] = req
    pylock = root / "pylock" / "pylock.toml"
    pylock.parent.mkdir()
    pylock.write_text(
        _sub((FIXTURES / "lockfiles/pylock-uv/pylock.toml").read_text(), "canary-l06")
        + '\n[[packages]]\nname = "viavcs"\n'
        + 'vcs = { type = "git", url = "https://u:canary-l07@git.example.com/r.git", '
        + f'commit-id = "{COMMIT}" }}\n'
    )
    found["pylock"] = pylock
    uv = root / "uv" / "uv.lock"
    uv.parent.mkdir()
    uv.write_text(_sub((FIXTURES / "lockfiles/uv/uv.lock").read_text(), "canary-l08"))
    found["uv"] = uv
    poetry = root / "poetry" / "poetry.lock"
    poetry.parent.mkdir()
    poetry.write_text(
        (FIXTURES / "lockfiles/poetry/poetry.lock").read_text()
        + '\n[[package]]\nname = "private"\nversion = "1.0"\ndescription = ""\noptional = false\n'
        + 'python-versions = "*"\nfiles = []\n\n[package.source]\ntype = "legacy"\n'
        + 'url = "https://u:canary-l09@private.example.com/simple"\nreference = "private"\n'
    )
    found["poetry"] = poetry
    pipfile = root / "pipenv" / "Pipfile.lock"
    pipfile.parent.mkdir()
    pipfile.write_text(_sub((FIXTURES / "lockfiles/pipenv/Pipfile.lock").read_text(), "canary-l10"))
    found["pipfile"] = pipfile
    return found


def secret_environment(root: Path) -> dict[str, str]:
    """Variables drift must record as *** or not at all, and URLs it must scrub."""
    pip_conf = root / "pip.conf"
    pip_conf.write_text("[global]\nindex-url = https://u:canary-e26@pip-conf.example.com/simple\n")
    return {
        "TF_VAR_db_password": "canary-e01",
        "TF_ENCRYPTION": "canary-e02",
        "TF_HTTP_PASSWORD": "canary-e03",
        "TORCH_HUB_PASS": "canary-e04",
        "NCCL_SOCKET_PWD": "canary-e05",
        "MKL_LICENSE_KEY": "canary-e06",
        "TORCH_SECRET": "canary-e07",
        "HF_TOKEN": "canary-e08",
        "PIP_INDEX_URL": "https://alice:canary-e09@repo.example.com/simple",
        "PIP_EXTRA_INDEX_URL": "https://bob:canary-e10@x@repo.example.com/simple",
        "UV_INDEX_URL": 'https://u:pa"canary-e11@repo.example.com/simple',
        "UV_EXTRA_INDEX_URL": "https://repo.example.com/simple#token=canary-e12",
        "TORCH_MODEL_URL": "https://h.example.com/m?pass=canary-e13",
        "TORCH_DATA_URL": "https://h.example.com/m?pwd=canary-e14",
        "OMP_PLACES": "https://h.example.com/x?%74oken=canary-e15",
        "PYTORCH_CKPT": (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=canary-e16&X-Amz-Signature=canary-e17"
        ),
        "JAX_CACHE": "https://a.blob.core.windows.net/c?sv=1&sig=canary-e18&se=canary-e19",
        "NCCL_AUTH_X": "canary-e20",
        "CUDNN_COOKIE": "canary-e21",
        "TORCH_SESSION": "canary-e22",
        "OPENBLAS_PRIVATE": "canary-e23",
        "XLA_PYTHON_CLIENT_SIGNATURE": "canary-e24",
        "TORCH_CREDS": "canary-e25",
        "PIP_CONFIG_FILE": str(pip_conf),
        "TORCH_HOME": "https://u:canary-e27@h.example.com/cache",
        "TORCH_PAT": "canary-e28",
        "OMP_SCHEDULE": "s3:/AKIAEXAMPLE:canary-e29@bucket/p",
        "TORCH_EXTENSIONS_DIR": "deploy:canary-e30@git.example.com:org/x.git",
        "MKL_CBWR": "ghp_" + "E31" * 12,
    }


def foreign_reference(root: Path) -> Path:
    """A CycloneDX document from someone else, with credentials in its URLs."""
    doc = json.loads((FIXTURES / "golden/snapshot-debian12-requirements.cdx.json").read_text())
    comp = next(c for c in doc["components"] if c["bom-ref"].startswith("pypi:"))
    comp["properties"] = [
        *comp.get("properties", []),
        {"name": "drift:pypi:source", "value": "url"},
        {
            "name": "drift:pypi:source-url",
            "value": "https://u:canary-f01@h.example.com/x.whl?X-Goog-Signature=canary-f02",
        },
    ]
    comp["version"] = "0.0.1"
    doc["metadata"]["properties"].append(
        {"name": "drift:env:OMP_NUM_THREADS", "value": "https://h.example.com/?token=canary-f03"}
    )
    path = root / "foreign.cdx.json"
    path.write_text(json.dumps(doc))
    return path


CANARIES = (
    [f"canary-e{i:02d}" for i in range(1, 31)]
    + ["ghp_" + "E31" * 12]
    + [f"canary-d{i:02d}" for i in range(1, 9)]
    + [f"canary-l{i:02d}" for i in range(1, 11)]
    + [f"canary-f{i:02d}" for i in range(1, 4)]
)
