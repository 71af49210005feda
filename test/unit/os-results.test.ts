// Python's result types (structseq) and constants: every constant posixkit's
// os, signal and resource export is compared with the running python3's.
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as resource from '../../lib/resource';
import * as signal from '../../lib/signal';
import { code } from '../helpers/checks';

function pythonConstants(module: string): Record<string, number> {
  const r = spawnSync('python3', ['-c', `
import json, ${module}
print(json.dumps({k: v for k in dir(${module}) if k.isupper() and not k.startswith('_')
  for v in [getattr(${module}, k)] if isinstance(v, int) and not isinstance(v, bool)}))`], { encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, number>;
}

function ourConstants(m: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([k, v]) => /^[A-Z][A-Z0-9_]*$/.test(k) && typeof v === 'number')) as Record<string, number>;
}

describe('constants equal Python\'s', () => {
  for (const [name, mod] of [['os', os], ['signal', signal], ['resource', resource]] as const) {
    it(`${name}: every constant Python has, with Python's value`, () => {
      const py = pythonConstants(name);
      const ours = ourConstants(mod as unknown as Record<string, unknown>);
      const shared = Object.keys(ours).filter((k) => k in py);
      expect(shared.length).toBeGreaterThan(name === 'os' ? 140 : 19);
      for (const k of shared) expect([k, ours[k]]).toEqual([k, py[k]]);
      expect(Object.keys(py).filter((k) => !(k in ours))).toEqual([]);
    });
  }
  it('no constant is undefined or NaN (every #ifdef branch gave a number)', () => {
    for (const mod of [os, signal, resource]) {
      for (const [k, v] of Object.entries(mod)) {
        if (/^[A-Z][A-Z0-9_]*$/.test(k) && typeof v !== 'function' && typeof v !== 'object') expect([k, Number.isInteger(v)]).toEqual([k, true]);
      }
    }
  });
});

describe('result types (structseq)', () => {
  it('index, named field, length and destructuring agree', () => {
    const u = os.uname();
    expect(u).toBeInstanceOf(os.uname_result);
    expect(Array.isArray(u)).toBe(true);
    expect(u.length).toBe(5);
    const [sysname, , , , machine] = u;
    expect(sysname).toBe(u.sysname);
    expect(machine).toBe(u[4]);
    expect(u.sysname).toBe('Linux');
    expect(Object.keys(u)).toEqual(['0', '1', '2', '3', '4']); // named fields are getters, not own keys
  });
  it('are frozen like a tuple', () => {
    const t = os.times();
    expect(Object.isFrozen(t)).toBe(true);
    expect(() => { (t as unknown as number[])[0] = 1; }).toThrow(TypeError);
    expect(() => (t as unknown as number[]).push(1)).toThrow(TypeError);
  });
  it('map/filter/slice return plain arrays', () => {
    const t = new os.times_result([1, 2, 3, 4, 5]);
    const m = t.map((x) => x * 2);
    expect(m).toEqual([2, 4, 6, 8, 10]);
    expect(m).not.toBeInstanceOf(os.times_result);
    expect(Object.getPrototypeOf(t.slice(1))).toBe(Array.prototype);
  });
  it('construct from a sequence like Python, with n_fields / n_sequence_fields', () => {
    expect(os.stat_result.n_sequence_fields).toBe(10);
    expect(os.stat_result.n_fields).toBe(19);
    expect(os.stat_result.n_unnamed_fields).toBe(3);
    const s = new os.stat_result([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.st_atime).toBe(7); // float times default to the integer ones, as Python's
    expect(s.st_blksize).toBeNull();
    expect(s.length).toBe(10);
    expect(code(() => new os.stat_result([1, 2, 3]))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => new os.terminal_size([1, 2, 3]))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => new os.terminal_size(5 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(new os.sched_param(7).sched_priority).toBe(7);
    expect(new resource.struct_rusage(Array.from({ length: 16 }, (_, i) => i)).ru_nivcsw).toBe(15);
    expect(new signal.struct_siginfo([1, 2, 3, 4, 5, 6, 7]).si_band).toBe(7);
    expect(new os.waitid_result([1, 2, 3, 4, 5]).si_code).toBe(5);
  });
  it('inspect like Python\'s repr', () => {
    expect(inspect(new os.terminal_size([80, 24]))).toBe('os.terminal_size(columns=80, lines=24)');
    expect(inspect(new os.sched_param(3))).toBe('os.sched_param(sched_priority=3)');
  });
  it('every Python result type has a class with Python\'s field names', () => {
    const r = spawnSync('python3', ['-c', `
import os, signal, resource, json
out = {}
for mod, names in ((os, ['stat_result','uname_result','times_result','waitid_result','terminal_size','sched_param']),
                   (resource, ['struct_rusage']), (signal, ['struct_siginfo'])):
    for n in names:
        t = getattr(mod, n)
        out[n] = [t.n_sequence_fields, t.n_fields, sorted(k for k in dir(t) if not k.startswith('_') and k not in ('count', 'index', 'n_fields', 'n_sequence_fields', 'n_unnamed_fields'))]
print(json.dumps(out))`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const py = JSON.parse(r.stdout) as Record<string, [number, number, string[]]>;
    const ours: Record<string, { n_sequence_fields: number; n_fields: number; prototype: object }> = {
      stat_result: os.stat_result, uname_result: os.uname_result, times_result: os.times_result,
      waitid_result: os.waitid_result, terminal_size: os.terminal_size, sched_param: os.sched_param,
      struct_rusage: resource.struct_rusage, struct_siginfo: signal.struct_siginfo,
    };
    for (const [n, [nseq, nfields, fields]] of Object.entries(py)) {
      const cls = ours[n];
      expect([n, cls.n_sequence_fields, cls.n_fields]).toEqual([n, nseq, nfields]);
      const getters = Object.getOwnPropertyNames(cls.prototype).filter((k) => k !== 'constructor').sort();
      expect([n, getters]).toEqual([n, fields]);
    }
  });
});

describe('signal enums', () => {
  it('Signals, Handlers, Sigmasks map names to numbers and numbers to canonical names', () => {
    expect(signal.Signals.SIGINT).toBe(signal.SIGINT);
    expect(signal.Signals[signal.SIGINT]).toBe('SIGINT');
    expect(signal.Signals.SIGIOT).toBe(signal.SIGABRT);
    expect(signal.Signals[signal.SIGABRT]).toBe('SIGABRT');
    expect(signal.Signals.SIGCLD).toBe(signal.SIGCHLD);
    expect(signal.Signals[signal.SIGRTMIN]).toBe('SIGRTMIN');
    expect(signal.Handlers.SIG_IGN).toBe(signal.SIG_IGN);
    expect(signal.Sigmasks[signal.SIG_SETMASK]).toBe('SIG_SETMASK');
    expect(Object.isFrozen(signal.Signals)).toBe(true);
  });
  it('hold exactly the members of Python\'s enums', () => {
    const r = spawnSync('python3', ['-c',
      'import signal, json; print(json.dumps({e.__name__: {k: int(v) for k, v in e.__members__.items()} for e in (signal.Signals, signal.Handlers, signal.Sigmasks)}))'],
    { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const py = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
    for (const [name, ours] of [['Signals', signal.Signals], ['Handlers', signal.Handlers], ['Sigmasks', signal.Sigmasks]] as const) {
      const named = Object.fromEntries(Object.entries(ours).filter(([k]) => !/^\d+$/.test(k)));
      expect(named).toEqual(py[name]);
    }
  });
});

describe('iterables are read once and capped', () => {
  it('a struct sequence reads one item past its longest layout; sched_setaffinity and setgroups refuse endless input', () => {
    function* endless(): Generator<number> { for (;;) yield 0; }
    const sparse = new Array(2 ** 32 - 1);
    for (const seq of [sparse, endless()]) {
      expect(() => new os.uname_result(seq as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => new os.terminal_size(seq as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => os.sched_setaffinity(0, endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => os.sched_setaffinity(0, sparse as never)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => os.setgroups(endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(new os.uname_result(['a', 'b', 'c', 'd', 'e']).machine).toBe('e');
  });
});
