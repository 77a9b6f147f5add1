"""Run by the *target* interpreter: print what only it can tell, as JSON.

Standard library only, and valid on every CPython >= 3.8: this file is sent
as ``python -c`` source, so it must not import driftbom or anything else.
"""

import json
import os
import platform
import sys
import sysconfig


def _libc():  # type: () -> dict[str, str] | None
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if not found:
        return None
    name, _, version = found.partition(" ")
    return {"name": name, "version": version}


def main():  # type: () -> None
    impl = sys.implementation
    iv = impl.version
    implementation_version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
    if iv.releaselevel != "final":
        implementation_version += iv.releaselevel[0] + str(iv.serial)
    path = list(sys.path)
    if path and path[0] == "":
        path = path[1:]  # `python -c` puts the working directory first
    info = {
        "version": platform.python_version(),
        "implementation": impl.name,
        "cache_tag": impl.cache_tag,
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "path": path,
        "platform": sysconfig.get_platform(),
        "soabi": sysconfig.get_config_var("SOABI"),
        "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "bits": 64 if sys.maxsize > 2**32 else 32,
        "libc": _libc(),
        "markers": {
            "implementation_name": impl.name,
            "implementation_version": implementation_version,
            "os_name": os.name,
            "platform_machine": platform.machine(),
            "platform_release": platform.release(),
            "platform_system": platform.system(),
            "platform_version": platform.version(),
            "python_full_version": platform.python_version(),
            "platform_python_implementation": platform.python_implementation(),
            "python_version": ".".join(platform.python_version_tuple()[:2]),
            "sys_platform": sys.platform,
        },
    }
    sys.stdout.write(json.dumps(info))


main()
