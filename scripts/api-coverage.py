#!/usr/bin/env python3
"""How much of Python's Linux process, IPC and threading API posixkit offers.

For each Python module (measured on the running interpreter) this lists the
public functions and classes, and separately the integer constants, and counts
those that the matching posixkit module exports under the same name or its
camelCase spelling (`get_inheritable` or `getInheritable`). Object rows do the
same for the methods and attributes of an mmap object and a socket object.

    python3 scripts/api-coverage.py              # the table
    python3 scripts/api-coverage.py --missing    # and what is missing, per module
    python3 scripts/api-coverage.py --markdown   # the table as Markdown (docs/api-coverage.md)
    python3 scripts/api-coverage.py --check 90   # exit 1 if a row's functions/classes are below 90%

Needs the compiled package (`npm run build:ts`, or `npm install`).
"""
import argparse
import inspect
import json
import os
import subprocess
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# posixkit/os covers the process, fd and IPC part of Python's os. What Node's
# fs, path and process objects already do (files by path, directories, the
# environment, shells, randomness, system configuration) is out of scope.
OS_OUT_OF_SCOPE = set('''
access chdir chmod chown chroot fchdir fchmod fchown fdopen fsdecode fsencode fspath fstatvfs fwalk getcwd
getcwdb getxattr lchown link listdir listxattr lstat makedirs mkdir mknod major minor makedev readlink remove
removedirs removexattr rename renames replace rmdir scandir setxattr stat statvfs symlink sync truncate unlink
utime walk pathconf fpathconf device_encoding get_exec_path getenv getenvb putenv unsetenv popen system urandom
getrandom confstr sysconf ctermid
'''.split())
# The result types of in-scope os functions (structseq in Python).
OS_CLASSES = ['sched_param', 'terminal_size', 'times_result', 'uname_result', 'waitid_result', 'stat_result']

# Names that only make sense for Python's interpreter (tracing hooks, the
# helpers modules import, pickling set-up) are not counted.
INTERPRETER_ONLY = {
    'threading': {'setprofile', 'settrace', 'getprofile', 'gettrace', 'WeakSet', 'functools'},
    'multiprocessing': {'allow_connection_pickling', 'reducer', 'sys'},
    'socket': {'SocketIO', 'IntEnum', 'IntFlag', 'array', 'errno', 'io', 'os', 'selectors', 'sys'},
    'signal': {'IntEnum'},
    'socketserver': {'BufferedIOBase', 'os', 'selectors', 'socket', 'sys', 'threading', 'time'},
}

# Python module -> the posixkit module(s) that should export its names, in
# order of preference (resource may live in posixkit/os or its own module).
TARGETS = {
    'os': ['os'],
    'signal': ['signal'],
    'select': ['select'],
    'socket': ['socket'],
    'mmap': ['mmap'],
    'resource': ['resource', 'os'],
    'multiprocessing': ['multiprocessing/index'],
    'threading': ['threading'],
    'socketserver': ['socketserver'],
}

JS_DUMP = r'''
const path = require('node:path');
const root = process.argv[1];
const out = {};
for (const mod of JSON.parse(process.argv[2])) {
  try {
    const m = require(path.join(root, 'dist', mod + '.js'));
    out[mod] = Object.keys(m);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    out[mod] = null;
  }
}
// Members of an object, its prototype chain up to Object.prototype.
function members(obj) {
  const names = new Set();
  for (let o = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) names.add(k);
  }
  return [...names];
}
const objects = {};
try {
  const mm = require(path.join(root, 'dist', 'mmap.js'));
  const m = mm.mmap(-1, 4096);
  objects['mmap.mmap'] = members(m);
  m.close();
} catch (e) { objects['mmap.mmap'] = []; }
try {
  const so = require(path.join(root, 'dist', 'socket.js'));
  const s = so.socket(so.AF_INET, so.SOCK_STREAM);
  objects['socket.socket'] = members(s);
  s.close();
} catch (e) { objects['socket.socket'] = []; }
process.stdout.write(JSON.stringify({ modules: out, objects }));
'''


def camel(name):
    head, *rest = name.split('_')
    return head + ''.join(p[:1].upper() + p[1:] for p in rest) if rest else name


def python_names(modname):
    """(functions and classes, integer constants) of a Python module."""
    mod = __import__(modname)
    skip = INTERPRETER_ONLY.get(modname, set())
    funcs, consts = [], []
    for name in dir(mod):
        if name.startswith('_') or name in skip:
            continue
        value = getattr(mod, name)
        if isinstance(value, types.ModuleType):
            continue
        if modname == 'os' and name in OS_OUT_OF_SCOPE:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            consts.append(name)
        elif callable(value):
            if modname == 'os' and inspect.isclass(value) and name not in OS_CLASSES:
                continue
            funcs.append(name)
    return funcs, consts


def python_object_members():
    import mmap
    import socket
    m = mmap.mmap(-1, 4096)
    s = socket.socket()
    try:
        return {
            'mmap.mmap': [n for n in dir(m) if not n.startswith('_')],
            'socket.socket': [n for n in dir(s) if not n.startswith('_')],
        }
    finally:
        m.close()
        s.close()


def js_names():
    mods = sorted({t for ts in TARGETS.values() for t in ts})
    r = subprocess.run(['node', '-e', JS_DUMP, ROOT, json.dumps(mods)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('cannot load posixkit (run `npm run build:ts` first):\n' + r.stderr)
    return json.loads(r.stdout)


def covered(names, offered):
    have = [n for n in names if n in offered or camel(n) in offered]
    miss = [n for n in names if n not in have]
    return have, miss


def pct(have, total):
    return 100.0 * have / total if total else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--missing', action='store_true', help='list the missing names per row')
    ap.add_argument('--markdown', action='store_true', help='print a Markdown table')
    ap.add_argument('--check', type=float, metavar='PCT', help='exit 1 if any row is below PCT')
    args = ap.parse_args()

    js = js_names()
    rows = []
    for pymod, targets in TARGETS.items():
        offered = set()
        for t in targets:
            offered.update(js['modules'].get(t) or [])
        funcs, consts = python_names(pymod)
        fh, fm = covered(funcs, offered)
        ch, cm = covered(consts, offered)
        rows.append((pymod, len(fh), len(funcs), len(ch), len(consts), fm + cm))
    for obj, names in python_object_members().items():
        offered = set(js['objects'].get(obj) or [])
        h, m = covered(names, offered)
        rows.append((obj + ' object', len(h), len(names), 0, 0, m))

    ver = '.'.join(map(str, sys.version_info[:3]))
    if args.markdown:
        print(f'Measured against Python {ver} on Linux by `python3 scripts/api-coverage.py --markdown`.\n')
        print('| Python module | functions and classes | constants |')
        print('|---|---|---|')
        for name, fh, ft, ch, ct, _ in rows:
            c = f'{ch}/{ct} ({pct(ch, ct):.0f}%)' if ct else '-'
            print(f'| `{name}` | {fh}/{ft} ({pct(fh, ft):.0f}%) | {c} |')
    else:
        print(f'posixkit against Python {ver}')
        print(f'{"module":24} {"functions/classes":>20} {"constants":>16}')
        for name, fh, ft, ch, ct, _ in rows:
            c = f'{ch}/{ct} {pct(ch, ct):5.1f}%' if ct else '-'
            print(f'{name:24} {f"{fh}/{ft} {pct(fh, ft):5.1f}%":>20} {c:>16}')
    if args.missing:
        for name, *_, miss in rows:
            if miss:
                print(f'\n{name} missing ({len(miss)}): ' + ' '.join(miss))
    if args.check is not None:
        low = [r[0] for r in rows if pct(r[1], r[2]) < args.check]
        if low:
            print(f'\nbelow {args.check}%: ' + ', '.join(low), file=sys.stderr)
            sys.exit(1)


if __name__ == '__main__':
    main()
