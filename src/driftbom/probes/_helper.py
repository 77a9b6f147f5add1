"""Run by the *target* interpreter: print what only it can tell, as JSON.

Standard library only, and valid on every CPython >= 3.8: this file is sent
as ``python -c`` source, so it must not import driftbom or anything else.
It avoids ``json`` and ``platform`` (their imports pull in ``re``: +15 ms on
every snapshot) and writes its few plain values itself.
"""

import os
import sys
import sysconfig

_IMPLEMENTATIONS = {
    "cpython": "CPython",
    "pypy": "PyPy",
    "ironpython": "IronPython",
    "jython": "Jython",
    "graalpy": "GraalVM",
}


def _string(text):  # type: (str) -> str
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\' or code < 0x20 or code > 0x7E:
            if code > 0xFFFF:  # a surrogate pair, as JSON spells it
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
            else:
                out.append("\\u%04x" % code)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json(value):  # type: (object) -> str
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(_string(str(k)) + ":" + _json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return _string(str(value))


def _libc():  # type: () -> dict[str, str] | None
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if not found:
        return None
    name, _, version = found.partition(" ")
    return {"name": name, "version": version}


def _uname():  # type: () -> tuple[str, str, str, str]
    if hasattr(os, "uname"):
        u = os.uname()
        return u.sysname, u.release, u.version, u.machine
    import platform  # Windows has no os.uname

    return platform.system(), platform.release(), platform.version(), platform.machine()


def main():  # type: () -> None
    impl = sys.implementation
    iv = impl.version
    implementation_version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
    if iv.releaselevel != "final":
        implementation_version += iv.releaselevel[0] + str(iv.serial)
    version = sys.version.split()[0]
    system, release, kernel_version, machine = _uname()
    path = list(sys.path)
    if path and path[0] == "":
        path = path[1:]  # `python -c` puts the working directory first
    info = {
        "version": version,
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
    sys.stdout.write(_json(info) + "\n")  # a last line without newline can be lost in docker logs


main()
