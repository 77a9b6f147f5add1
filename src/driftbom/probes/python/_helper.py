"""Run by the *target* interpreter: print what only it can tell, as JSON.

Standard library only, and valid on every CPython >= 3.8: this file is sent
as ``python -I -S -c`` source with an empty environment, so nothing of the target
runs: no ``site.main()``, no ``.pth`` file, no ``sitecustomize``, no ``PYTHONPATH``.
What ``site`` would add to ``sys.path`` is worked out here instead: the virtualenv
from ``pyvenv.cfg`` beside the executable (or one folder up), its site-packages from
``sysconfig``'s venv scheme, the system's from ``site``'s path functions (importing
``site`` under ``-S`` runs nothing), and the path entries of ``.pth`` files read as
text (``import`` lines are reported, never run).
"""

import json
import os
import stat
import sys
import sysconfig

_IMPLEMENTATIONS = {
    "cpython": "CPython",
    "pypy": "PyPy",
    "ironpython": "IronPython",
    "jython": "Jython",
    "graalpy": "GraalVM",
}


def _uname():  # type: () -> tuple[str, str, str, str]
    if hasattr(os, "uname"):
        u = os.uname()
        return u.sysname, u.release, u.version, u.machine
    import platform  # Windows has no os.uname

    return platform.system(), platform.release(), platform.version(), platform.machine()


_PTH_LIMIT = 1024 * 1024
_PTH_FILES = 1000


def _read(path):  # type: (str) -> str | None
    """Return a regular file's text (at most 1 MiB), or None: a FIFO or device never blocks."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, _PTH_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def _venv():  # type: () -> tuple[str | None, bool]
    """Return the virtualenv beside the executable and include-system-site-packages."""
    executable = sys.executable or ""
    here = os.path.dirname(executable)
    for folder in (here, os.path.dirname(here)):
        cfg = os.path.join(folder, "pyvenv.cfg")
        if not os.path.isfile(cfg):
            continue
        system = False
        for line in (_read(cfg) or "").splitlines():
            key, _, value = line.partition("=")
            if key.strip().lower() == "include-system-site-packages":
                system = value.strip().lower() == "true"
        return folder, system
    return None, False


def _site_dirs(prefixes):  # type: (list[str]) -> list[str]
    """Return the site-packages folders of ``prefixes``, as this interpreter's ``site`` says.

    Under ``-S`` importing ``site`` runs nothing (its ``main()`` is skipped); its path
    functions carry the distribution's own layout (Debian's ``dist-packages``, say).
    """
    import site

    try:
        return list(site.getsitepackages(prefixes))
    except (AttributeError, TypeError):  # an old virtualenv's site.py
        return []


def _venv_site(venv):  # type: (str) -> list[str]
    """Return a virtualenv's site-packages: the ``venv`` scheme (3.11+), else the prefix one."""
    names = sysconfig.get_scheme_names()
    scheme = "venv" if "venv" in names else ("nt" if os.name == "nt" else "posix_prefix")
    paths = sysconfig.get_paths(scheme, vars={"base": venv, "platbase": venv})
    return list(dict.fromkeys(p for p in (paths.get("purelib"), paths.get("platlib")) if p))


def _user_site():  # type: () -> list[str]
    import site

    try:
        path = site.getusersitepackages()
    except (AttributeError, KeyError, OSError):
        return []
    return [path] if path and os.path.isdir(path) else []


def _read_pth(sitedir, path, imports):  # type: (str, list[str], list[str]) -> None
    """Add the entries of ``sitedir``'s .pth files to ``path``, as site would, without running."""
    try:
        names = sorted(
            n for n in os.listdir(sitedir) if n.endswith(".pth") and not n.startswith(".")
        )
    except OSError:
        return
    for name in names[:_PTH_FILES]:
        for line in (_read(os.path.join(sitedir, name)) or "").splitlines():
            if not line or line.startswith("#") or not line.strip():
                continue
            if line.startswith(("import ", "import\t")):
                imports.append(name)  # code site would run: never run here
                continue
            entry = os.path.normpath(os.path.join(sitedir, line.rstrip()))
            if entry not in path and os.path.isdir(entry):
                path.append(entry)


def _path(venv, system_site):  # type: (str | None, bool) -> tuple[list[str], list[str]]
    path = [p for p in sys.path if p]  # `python -c` puts the working directory first
    base = getattr(sys, "base_prefix", sys.prefix)
    base_exec = getattr(sys, "base_exec_prefix", sys.exec_prefix)
    if venv:  # as site.venv() does: the venv's own site-packages, then the system's
        sites = _venv_site(venv) + (_site_dirs([base, base_exec]) if system_site else [])
    else:
        sites = _user_site() + _site_dirs([base, base_exec])
    imports = []  # type: list[str]
    for site in sites:
        if site not in path and os.path.isdir(site):
            path.append(site)
            _read_pth(site, path, imports)
    return path, sorted(set(imports))


def main():  # type: () -> None
    impl = sys.implementation
    iv = impl.version
    implementation_version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
    if iv.releaselevel != "final":
        implementation_version += iv.releaselevel[0] + str(iv.serial)
    version = sys.version.split()[0]
    system, release, kernel_version, machine = _uname()
    venv, system_site = _venv()
    path, pth_imports = _path(venv, system_site)
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    info = {
        "version": version,
        "implementation": impl.name,
        "executable": sys.executable,
        "prefix": venv or base_prefix,
        "base_prefix": base_prefix,
        "path": path,
        "pth_imports": pth_imports,
        "platform": sysconfig.get_platform(),
        "soabi": sysconfig.get_config_var("SOABI"),
        "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "bits": 64 if sys.maxsize > 2**32 else 32,
        "markers": {
            "implementation_name": impl.name,
            "implementation_version": implementation_version,
            "os_name": os.name,
            "platform_machine": machine,
            "platform_release": release,
            "platform_system": system,
            "platform_version": kernel_version,
            "python_full_version": version,
            "platform_python_implementation": _IMPLEMENTATIONS.get(impl.name, impl.name),
            "python_version": "%d.%d" % sys.version_info[:2],
            "sys_platform": sys.platform,
        },
    }
    # a last line without a newline can be lost in docker logs
    sys.stdout.write(json.dumps(info) + "\n")


main()
