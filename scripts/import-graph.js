#!/usr/bin/env node
// The import graph of lib/ and the two rules it must keep (CONTRIBUTING.md,
// "The house"): imports only run down the layers, and no cycle is made of
// imports that run while modules load. A type-only import is erased by tsc; a
// require() inside a function runs only when called, after every module has
// loaded (a registry filling itself on demand): cycles through either are
// listed as notes, not errors.
//   node scripts/import-graph.js            summary, violations, cycles; exit 1 if any
//   node scripts/import-graph.js --edges    every edge: `->` value, `~>` type only, `=>` deferred require()
// test/unit/layers.test.ts runs the same checks in `npm test`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

// Lower rank = lower layer. A module may import its own group and any group
// of a lower rank; never a higher one, and never a different group of the
// same rank. A `closed` group is imported by nobody else (the CLI is a program,
// not a library). The first matching prefix names a file's group.
const LAYERS = [
  // the kernel's shape: the binding, errors, and mechanics that need nothing else
  { rank: 0, group: 'base', prefixes: ['native.ts', 'errors.ts', 'internal/deadline.ts', 'internal/modref.ts'] },
  // the low layer: one module per syscall family (Python's os, signal, select, socket, mmap)
  { rank: 1, group: 'low', prefixes: ['os.ts', 'os/', 'resource.ts', 'file.ts', 'signal.ts', 'select.ts', 'select/', 'socket.ts', 'socket/', 'mmap.ts', 'fcntl.ts', 'forkable.ts'] },
  // mechanics built on the low layer, shared by the high layer
  { rank: 2, group: 'internal', prefixes: ['internal/'] },
  { rank: 3, group: 'multiprocessing', prefixes: ['multiprocessing/'] },
  { rank: 4, group: 'threading', prefixes: ['threading.ts', 'threading/'] },
  { rank: 5, group: 'coroutine', prefixes: ['coroutine/'] },
  { rank: 5, group: 'server', prefixes: ['server/'] },
  { rank: 6, group: 'socketserver', prefixes: ['socketserver.ts', 'socketserver/'] },
  { rank: 6, group: 'models', prefixes: ['models/'] },
  { rank: 7, group: 'http', prefixes: ['http/'] },
  { rank: 7, group: 'ftp', prefixes: ['ftp/'] },
  { rank: 8, group: 'cli', prefixes: ['cli.ts', 'cli/'], closed: true },
  { rank: 9, group: 'index', prefixes: ['index.ts'] },
];

function layerOf(rel) {
  for (const l of LAYERS) if (l.prefixes.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p))) return l;
  return null;
}

function listTs(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function resolveImport(fromFile, spec) {
  if (!spec.startsWith('.')) return null; // node:*, packages
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return null;
}

const STRENGTH = { type: 0, deferred: 1, value: 2 };

/** Every import of one file: { to, kind } ('value' | 'deferred' | 'type'), the strongest kind per target. */
function importsOf(file) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map();
  const add = (spec, kind) => {
    const to = resolveImport(file, spec);
    if (to === null) return;
    const had = found.get(to);
    if (had === undefined || STRENGTH[kind] > STRENGTH[had]) found.set(to, kind);
  };
  const inFunction = (node) => {
    for (let p = node.parent; p; p = p.parent) if (ts.isFunctionLike(p)) return true;
    return false;
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      // `import type {..}`, or `import { type A, type B }` with nothing else: erased.
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly = c !== undefined && (c.isTypeOnly ||
        (c.name === undefined && named !== null && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly ? 'type' : 'value');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      const typeOnly = node.isTypeOnly || (named !== null && named.length > 0 && named.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, typeOnly ? 'type' : 'value');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, 'type');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' &&
      node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, inFunction(node) ? 'deferred' : 'value');
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return [...found].map(([to, kind]) => ({ to, kind }));
}

/** The graph of lib/: files (relative names), edges, layer violations and run-time cycles. */
function analyse(lib = LIB) {
  const files = listTs(lib);
  const rel = (f) => path.relative(lib, f);
  const edges = [];
  for (const f of files) for (const i of importsOf(f)) edges.push({ from: rel(f), to: rel(i.to), kind: i.kind });
  const unplaced = files.map(rel).filter((f) => layerOf(f) === null);
  const violations = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a || !b || a.group === b.group) continue;
    if (b.rank >= a.rank) violations.push({ ...e, why: `${a.group} (rank ${a.rank}) imports ${b.group} (rank ${b.rank})` });
    else if (b.closed) violations.push({ ...e, why: `${a.group} imports ${b.group}, which nothing else may import` });
  }
  const names = files.map(rel);
  const loadCycles = cycles(names, edges.filter((e) => e.kind === 'value'));
  const inLoad = new Set(loadCycles.map((c) => c.join()));
  const notes = cycles(names, edges).filter((c) => !inLoad.has(c.join()));
  return { files: names, edges, unplaced, violations, cycles: loadCycles, notes };
}

// Strongly connected components (Tarjan) of the value edges: each with more than one file is a cycle.
function cycles(nodes, edges) {
  const next = new Map(nodes.map((n) => [n, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const strong = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) strong(n);
  return out;
}

/** Edges between groups, counted: 'models -> server: 12'. */
function groupSummary(g) {
  const counts = new Map();
  for (const e of g.edges) {
    const a = layerOf(e.from)?.group ?? '?';
    const b = layerOf(e.to)?.group ?? '?';
    if (a === b) continue;
    const k = `${a} -> ${b}`;
    const c = counts.get(k) ?? { value: 0, type: 0, deferred: 0 };
    c[e.kind]++;
    counts.set(k, c);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b))
    .map(([k, c]) => `${k}: ${c.value} value${c.type ? `, ${c.type} type-only` : ''}${c.deferred ? `, ${c.deferred} deferred` : ''}`);
}

module.exports = { analyse, groupSummary, layerOf, LAYERS };

const ARROW = { value: '->', type: '~>', deferred: '=>' };

if (require.main === module) {
  const g = analyse();
  if (process.argv.includes('--edges')) {
    for (const e of g.edges) console.log(`${e.from} ${ARROW[e.kind]} ${e.to}`);
  }
  const n = (k) => g.edges.filter((e) => e.kind === k).length;
  console.log(`${g.files.length} files, ${g.edges.length} imports (${n('type')} type-only, ${n('deferred')} deferred)`);
  for (const line of groupSummary(g)) console.log(`  ${line}`);
  for (const f of g.unplaced) console.log(`NOT PLACED in a layer: ${f}`);
  for (const v of g.violations) console.log(`UPWARD: ${v.from} ${ARROW[v.kind]} ${v.to}: ${v.why}`);
  for (const c of g.cycles) console.log(`CYCLE: ${c.join(' <-> ')}`);
  for (const c of g.notes) console.log(`note: cycle through a type-only or deferred import: ${c.join(' <-> ')}`);
  const bad = g.unplaced.length + g.violations.length + g.cycles.length;
  console.log(bad === 0 ? 'layers: ok, no run-time cycles' : `${bad} problem(s)`);
  process.exitCode = bad === 0 ? 0 : 1;
}
