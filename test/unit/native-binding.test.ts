// The native function list is written twice: the C++ exports (native/*.cc)
// and the TS interfaces each module reads its slice with (family<T>()).
// This checks them against each other both ways, on the published addon,
// and that test-only names live only in the test build and in no public module.
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/native';
import { ROOT, runNode } from '../helpers/proc';

type Kind = 'function' | 'table' | 'object' | 'value';
type Shape = Map<string, Kind>;

// Every declared member of the family<T>() slices in lib/, and of the test
// hooks interface, as dotted paths ('socket.recv') with their kind.
function declared(): { lib: Shape; hooks: Shape; bindingUsers: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); },
  })!;
  const hooksFile = path.join(ROOT, 'test/helpers/native-hooks.ts');
  const program = ts.createProgram([...parsed.fileNames, hooksFile], parsed.options);
  const checker = program.getTypeChecker();
  const lib: Shape = new Map();
  const hooks: Shape = new Map();
  const bindingUsers: string[] = [];

  const collect = (type: ts.Type, at: ts.Node, prefix: string, into: Shape): void => {
    for (const p of checker.getPropertiesOfType(type)) {
      const t = checker.getTypeOfSymbolAtLocation(p, at);
      const name = prefix + p.getName();
      if (t.getCallSignatures().length > 0) into.set(name, 'function');
      else if (checker.getIndexInfosOfType(t).length > 0) into.set(name, 'table');
      else if (t.flags & ts.TypeFlags.Object) {
        into.set(name, 'object');
        collect(t, at, `${name}.`, into);
      } else into.set(name, 'value');
    }
  };

  for (const sf of program.getSourceFiles()) {
    if (sf.fileName === hooksFile) {
      ts.forEachChild(sf, (n) => {
        if (ts.isInterfaceDeclaration(n) && n.name.text === 'TestHooksNative') {
          collect(checker.getTypeAtLocation(n), n, '', hooks);
        }
      });
      continue;
    }
    if (!sf.fileName.startsWith(path.join(ROOT, 'lib'))) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'family'
        && n.typeArguments?.length === 1) {
        collect(checker.getTypeFromTypeNode(n.typeArguments[0]), n, '', lib);
      }
      if (ts.isImportDeclaration(n) && /\/native['"]$/.test(n.moduleSpecifier.getText(sf))
        && n.importClause?.namedBindings && ts.isNamedImports(n.importClause.namedBindings)
        && n.importClause.namedBindings.elements.some((e) => e.name.text === 'binding')) {
        bindingUsers.push(path.relative(ROOT, sf.fileName));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { lib, hooks, bindingUsers };
}

// The keys of a binding object, with the same kinds: objects made only of
// numbers are constant tables; other objects (socket, signal) are families.
function shapeOf(obj: Record<string, unknown>, prefix = '', into: Shape = new Map()): Shape {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix + k;
    if (typeof v === 'function') into.set(name, 'function');
    else if (v && typeof v === 'object') {
      if (Object.values(v).every((x) => typeof x === 'number')) into.set(name, 'table');
      else {
        into.set(name, 'object');
        shapeOf(v as Record<string, unknown>, `${name}.`, into);
      }
    } else into.set(name, 'value');
  }
  return into;
}

// The published addon, loaded as a user would (no POSIXKIT_ADDON).
function publishedShape(): Shape {
  const r = runNode(['-e', `
    const b = require('node-gyp-build')(${JSON.stringify(ROOT)});
    const shape = (o, p = '', out = {}) => { for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'function') out[p + k] = 'function';
      else if (v && typeof v === 'object') {
        if (Object.values(v).every((x) => typeof x === 'number')) out[p + k] = 'table';
        else { out[p + k] = 'object'; shape(v, p + k + '.', out); } }
      else out[p + k] = 'value'; } return out; };
    process.stdout.write(JSON.stringify(shape(b)));`], { env: { POSIXKIT_ADDON: '' } });
  expect(r.status).toBe(0);
  return new Map(Object.entries(JSON.parse(r.stdout)) as Array<[string, Kind]>);
}

describe('the binding and its TS interfaces', () => {
  const { lib, hooks, bindingUsers } = declared();
  const published = publishedShape();

  it('every name a TS interface declares exists in the published addon, with the same kind', () => {
    // both sides were really read: every family, functions and tables
    for (const k of ['fork', 'socket.recv', 'signal.signal', 'select', 'mmap', 'futex_wait', 'openat2', 'strerror']) {
      expect([k, published.get(k), lib.get(k)]).toEqual([k, 'function', 'function']);
    }
    expect([published.get('socket.constants'), lib.get('socket.constants')]).toEqual(['table', 'table']);
    const missing = [...lib].filter(([k, kind]) => published.get(k) !== kind).map(([k, kind]) => `${k}: ${kind} (addon: ${published.get(k)})`);
    expect(missing).toEqual([]);
  });

  it('every function the published addon exports is declared by some TS interface (none drifts unused)', () => {
    const undeclared = [...published].filter(([k, kind]) => kind === 'function' && !lib.has(k)).map(([k]) => k);
    expect(undeclared).toEqual([]);
  });

  it('only lib/native.ts touches the binding object directly (everything else goes through family<T>())', () => {
    expect(bindingUsers).toEqual([]);
  });

  it('the test-only hooks are exactly the test build\'s extra names, and the published addon has none', () => {
    const testBuild = shapeOf(binding);
    const extra = [...testBuild.keys()].filter((k) => !published.has(k)).sort();
    expect(extra).toEqual([...hooks.keys()].sort());
    expect([...hooks.keys()].every((k) => k.startsWith('_'))).toBe(true);
    // _exit is os._exit(2), a real syscall; nothing else starts with '_'
    expect([...published.keys()].filter((k) => /(^|\.)_/.test(k))).toEqual(['_exit']);
  });
});

describe('public modules', () => {
  it('export no name starting with "_" (os._exit, Python\'s name for _exit(2), is the one exception)', () => {
    const pkg = require(path.join(ROOT, 'package.json')) as { exports: Record<string, unknown> };
    const entries = Object.entries(pkg.exports)
      .filter(([k]) => k !== './package.json')
      .map(([k, v]) => [k, path.join(ROOT, (v as { default: string }).default)]);
    const r = runNode(['-e', `
      const out = {};
      for (const [name, file] of ${JSON.stringify(entries)}) {
        const m = require(file);
        const names = [];
        for (const [k, v] of Object.entries(m)) {
          names.push(k);
          if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype)
            for (const k2 of Object.keys(v)) names.push(k + '.' + k2);
        }
        out[name] = names.filter((n) => /(^|\\.)_/.test(n));
      }
      process.stdout.write(JSON.stringify(out));`], { env: { POSIXKIT_ADDON: '' } });
    expect(r.stderr).toBe('');
    const found = JSON.parse(r.stdout) as Record<string, string[]>;
    const all = Object.entries(found).flatMap(([m, names]) => names.map((n) => `${m}:${n}`));
    expect(all.filter((n) => n !== './os:_exit' && n !== '.:os._exit')).toEqual([]);
  });
});
