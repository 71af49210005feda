#!/usr/bin/env node
// Runs test/conformance/ (posixkit against Python's documented behaviour of
// the modules it follows) and writes docs/conformance.md: per group, the
// methods that apply to Linux, how many have a test, pass, or are skipped and why.
//
//   node scripts/conformance.js            run everything (CONFORMANCE_RESOURCES=all), write the doc
//   node scripts/conformance.js --verify   also run the methods listed in known.ts (CONFORMANCE_KNOWN=run)
//                                                  and say which of them pass now (stale entries) or fail
//   node scripts/conformance.js --report F read a vitest JSON report instead of running vitest
//   node scripts/conformance.js --manifest regenerate test/conformance/manifest.json with python3
//   node scripts/conformance.js --help     this text
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PORT = path.join(ROOT, 'test/conformance');
const MANIFEST = path.join(PORT, 'manifest.json');
const DOC = path.join(ROOT, 'docs/conformance.md');
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);

function regenerateManifest() {
  const r = spawnSync('python3', [path.join(__dirname, 'conformance-manifest.py')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`manifest: python3 failed\n${r.stderr}`);
  fs.writeFileSync(MANIFEST, r.stdout);
  console.log(`wrote ${path.relative(ROOT, MANIFEST)}`);
}

/** known.ts, compiled with the project's TypeScript. */
function loadKnown() {
  const ts = require('typescript');
  const file = path.join(PORT, 'known.ts');
  const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const m = new Module(file);
  m.filename = file;
  m.paths = Module._nodeModulePaths(PORT);
  m._compile(outputText, file);
  return m.exports;
}

function runVitest(env) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pk-conformance-')), 'report.json');
  const t0 = Date.now();
  spawnSync('npx', ['vitest', 'run', 'test/conformance', '--reporter=json', `--outputFile=${out}`], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1', ...env },
  });
  if (!fs.existsSync(out)) throw new Error('vitest wrote no report');
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  report.wallSeconds = (Date.now() - t0) / 1000;
  return report;
}

/** id -> { status: passed|failed|skipped, duration, meta, message } from vitest's JSON report. */
function results(report) {
  const byId = new Map();
  const files = [];
  for (const f of report.testResults) {
    let seconds = 0;
    for (const a of f.assertionResults) {
      const id = `${a.ancestorTitles.join('.')}.${a.title}`;
      seconds += (a.duration ?? 0) / 1000;
      byId.set(id, { status: a.status === 'pending' ? 'skipped' : a.status, duration: a.duration ?? 0, meta: a.meta?.conformance ?? {},
        message: (a.failureMessages?.[0] ?? '').split('\n')[0] });
    }
    files.push({ name: path.relative(ROOT, f.name), seconds, status: f.status, message: f.message });
  }
  return { byId, files };
}

/** Lines the tests drop because they only check Python machinery, per group. */
function droppedLines() {
  const out = {};
  for (const f of fs.readdirSync(PORT)) {
    if (!f.endsWith('.test.ts')) continue;
    const src = fs.readFileSync(path.join(PORT, f), 'utf8');
    const file = f.replace(/\..*$/, '');
    for (const m of src.matchAll(/\[python-only\] (.*)/g)) (out[file] ??= []).push(m[1].trim());
  }
  return out;
}

function knownFor(known, id) {
  const cls = id.slice(0, id.lastIndexOf('.'));
  return known[id] ?? known[`${cls}.*`];
}

function main() {
  if (flag('--help') || flag('-h')) {
    // The usage is this file's header comment.
    const head = fs.readFileSync(__filename, 'utf8').split('\n').slice(1).filter((l) => l.startsWith('//'));
    console.log(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return;
  }
  if (flag('--manifest')) {
    regenerateManifest();
    return;
  }
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  const { known, slow } = loadKnown();
  const verify = flag('--verify');
  const report = opt('--report') ? JSON.parse(fs.readFileSync(opt('--report'), 'utf8'))
    : runVitest({ CONFORMANCE_RESOURCES: 'all', ...(verify ? { CONFORMANCE_KNOWN: 'run' } : {}) });
  const { byId, files } = results(report);

  if (verify) {
    const stale = [];
    const newFail = [];
    for (const [id, r] of byId) {
      const k = knownFor(known, id);
      if (k && k.kind !== 'python-only' && r.status === 'passed') stale.push(`${id} (${k.kind})`);
      if (!k && r.status === 'failed') newFail.push(`${id}: ${r.message}`);
    }
    console.log(`known entries that pass now (delete them from test/conformance/known.ts): ${stale.length}`);
    for (const s of stale) console.log(`  ${s}`);
    console.log(`failures not listed in known.ts: ${newFail.length}`);
    for (const s of newFail) console.log(`  ${s}`);
    for (const f of files) if (f.message) console.log(`file did not finish: ${f.name}: ${f.message.split('\n')[0]}`);
    process.exitCode = newFail.length ? 1 : 0;
    return;
  }

  const rows = [];
  const unported = [];
  const totals = { applicable: 0, ported: 0, passed: 0, failed: 0, 'missing-api': 0, defect: 0, difference: 0, 'python-only': 0, runtime: 0 };
  const kindsByFile = {};
  for (const [file, spec] of Object.entries(manifest.files)) {
    const t = { applicable: 0, ported: 0, passed: 0, failed: 0, 'missing-api': 0, defect: 0, difference: 0, 'python-only': 0, runtime: 0 };
    for (const m of spec.methods) {
      if (!m.linux) continue;
      t.applicable++;
      const id = `${file}.${m.cls}.${m.name}`;
      const r = byId.get(id);
      if (!r) {
        unported.push(id);
        continue;
      }
      t.ported++;
      const k = knownFor(known, id);
      if (k) {
        t[k.kind]++;
        (kindsByFile[k.kind] ??= []).push({ id, file, reason: k.reason });
      } else if (r.status === 'passed') t.passed++;
      else if (r.status === 'skipped') {
        t.runtime++;
        (kindsByFile.runtime ??= []).push({ id, file, reason: r.meta.skip ?? '' });
      } else {
        t.failed++;
        (kindsByFile.failed ??= []).push({ id, file, reason: r.message });
      }
    }
    for (const key of Object.keys(totals)) totals[key] += t[key];
    rows.push([file, t, spec.scope]);
  }

  const dropped = droppedLines();
  const rate = (t) => {
    const base = t.ported - t['python-only'] - t.runtime;
    return base ? `${((100 * t.passed) / base).toFixed(1)}%` : '-';
  };
  const L = [];
  L.push('# Python conformance: test/conformance/');
  L.push('');
  L.push(`posixkit's low layer follows Python's \`os\`, \`signal\`, \`select\`, \`socket\`, \`mmap\`, \`multiprocessing\``);
  L.push(`and \`socketserver\`. \`test/conformance/\` checks posixkit against Python ${manifest.python}'s behaviour of those modules, one`);
  L.push('test per Python test method and named after it (`npx vitest run test/conformance -t test_epoll`). This page is the');
  L.push('state of those tests.');
  L.push('');
  L.push('## Summary');
  L.push('');
  L.push('| group | methods for Linux | tests | pass | missing API | defect | difference | Python-only | skipped at run time | fail | pass rate |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [file, t] of rows) {
    L.push(`| ${file}.py | ${t.applicable} | ${t.ported} | ${t.passed} | ${t['missing-api']} | ${t.defect} | ${t.difference} | ${t['python-only']} | ${t.runtime} | ${t.failed} | ${rate(t)} |`);
  }
  const T = totals;
  L.push(`| **all** | **${T.applicable}** | **${T.ported}** | **${T.passed}** | **${T['missing-api']}** | **${T.defect}** | **${T.difference}** | **${T['python-only']}** | **${T.runtime}** | **${T.failed}** | **${rate(T)}** |`);
  L.push('');
  L.push('How to read it:');
  L.push('- **methods for Linux**: the methods of the classes in scope (below) that apply to Linux, as listed in');
  L.push('  `test/conformance/manifest.json` (`node scripts/conformance.js --manifest` lists them again).');
  L.push('- **pass**: runs and passes. **missing API**, **defect**, **difference**, **Python-only**: skipped, with the');
  L.push('  reason in `test/conformance/known.ts` (listed below). **skipped at run time**: the method skips itself, as it');
  L.push('  does in Python (a resource such as `walltime` or `network` that is not enabled, the `fork` start method, no IPv6...).');
  L.push('- **pass rate** = pass / (tests - Python-only - skipped at run time).');
  L.push(`- This run: CONFORMANCE_RESOURCES=all (\`walltime\`, \`cpu\` and the slow methods run), ${report.wallSeconds ? `${report.wallSeconds.toFixed(0)} s wall` : 'from a saved report'}.`);
  if (unported.length) {
    L.push('');
    L.push(`Without a test yet (${unported.length}): ${unported.map((u) => `\`${u}\``).join(', ')}.`);
  }
  L.push('');
  L.push('## Scope: which classes count');
  L.push('');
  for (const [file, , scope] of rows) L.push(`- **${file}.py**: ${scope}.`);
  L.push('');
  L.push('## How the tests map Python to posixkit');
  L.push('');
  L.push('- Tuples are arrays, `bytes` are Buffers, `None` is `null`; snake_case names of the high layer are camelCase');
  L.push('  (`is_alive` -> `isAlive`, `serve_forever` -> `serveForever`).');
  L.push('- `ValueError` is a `RangeError` or an error with code `ERR_INVALID_ARG_VALUE`; `OverflowError` is a `RangeError`;');
  L.push('  `OSError` and its subclasses are posixkit\'s classes of the same names; `err.errno` is `-err.errno`;');
  L.push('  `RuntimeError` is an `Error` with a stable `ERR_*` code; `KeyError` is posixkit/errors\' `KeyError`; `KeyboardInterrupt` has no counterpart.');
  L.push('- A Python thread that runs the other half of a test (`ThreadableTest`\'s `_testFoo`, a background client) is');
  L.push('  a forked child: it sees what the server set up before the fork; each side keeps only its own sockets; the');
  L.push('  child\'s failure comes back through a pipe. Code Python runs in a fresh interpreter runs in a fresh node.');
  L.push('- An API posixkit lacks is reached through a guard that throws `MissingApiError`, so a missing method never passes');
  L.push('  for the `TypeError` a test expects.');
  L.push('- Assertions that only check Python\'s calling convention or internals are dropped with a `[python-only]` comment');
  L.push('  in the test; they are listed below. Every other assertion is kept as Python has it.');
  L.push('');
  const section = (kind, title, intro) => {
    const items = kindsByFile[kind] ?? [];
    L.push(`## ${title} (${items.length})`);
    L.push('');
    if (intro) {
      L.push(intro);
      L.push('');
    }
    for (const it of items) L.push(`- \`${it.id}\`: ${it.reason}`);
    L.push('');
  };
  section('difference', 'Intended differences', 'Behaviour that differs from Python on purpose; a user of posixkit gets this instead.');
  // Missing APIs grouped by module, with the number of methods each blocks.
  const apis = new Map();
  for (const it of kindsByFile['missing-api'] ?? []) {
    const key = it.reason;
    if (!apis.has(key)) apis.set(key, []);
    apis.get(key).push(it.id);
  }
  L.push(`## Missing APIs (${(kindsByFile['missing-api'] ?? []).length} methods)`);
  L.push('');
  const moduleOf = (r) => (/^(Socket\.|socket\.|create_connection)/.test(r) ? 'socket'
    : /^signal\./.test(r) ? 'signal' : /^os\./.test(r) ? 'os' : /^(mmap|MemoryMap)/.test(r) ? 'mmap'
      : /^(multiprocessing|Process|shared_memory)/.test(r) ? 'multiprocessing' : /^fcntl/.test(r) ? 'fcntl'
        : /^threading/.test(r) ? 'threading' : 'other');
  const byModule = new Map();
  for (const [api, ids] of apis) {
    const mod = moduleOf(api);
    if (!byModule.has(mod)) byModule.set(mod, { n: 0, apis: [] });
    byModule.get(mod).n += ids.length;
    byModule.get(mod).apis.push(api);
  }
  L.push('By module (a method counts once, under the first API its entry names):');
  L.push('');
  L.push('| module | methods blocked |');
  L.push('|---|---:|');
  for (const [mod, v] of [...byModule].sort((a, b) => b[1].n - a[1].n)) L.push(`| ${mod} | ${v.n} |`);
  L.push('');
  L.push('| API the test needs | methods it blocks |');
  L.push('|---|---|');
  for (const [api, ids] of [...apis].sort((a, b) => b[1].length - a[1].length)) {
    L.push(`| ${api} | ${ids.length}: ${ids.map((i) => `\`${i.split('.').slice(1).join('.')}\``).join(', ')} |`);
  }
  L.push('');
  section('defect', 'Defects', 'posixkit behaves differently from Python and should not; each method runs again once its entry is removed.');
  section('python-only', 'Python-only methods', 'They check Python machinery (mocks, enums, pickling, repr, weakrefs...) and have no posixkit counterpart.');
  section('runtime', 'Skipped at run time');
  if ((kindsByFile.failed ?? []).length) section('failed', 'Failing (not listed in known.ts)');
  L.push(`## Assertions dropped as Python-only (${Object.values(dropped).flat().length})`);
  L.push('');
  for (const [file, lines] of Object.entries(dropped)) for (const l of lines) L.push(`- ${file}: ${l}`);
  L.push('');
  L.push('## Running it');
  L.push('');
  L.push('- `npm test` runs them (`test/conformance/*.test.ts`) with the slow methods and the `walltime`/`cpu` resources off.');
  L.push('- `CONFORMANCE_RESOURCES=all npx vitest run test/conformance` runs everything (`.ci/run` does); `CONFORMANCE_KNOWN=run` also');
  L.push('  runs the methods listed in `known.ts`; `node scripts/conformance.js --verify` says which of those pass now.');
  L.push('- `node scripts/conformance.js` regenerates this page; `--manifest` lists the methods again with python3.');
  L.push('');
  L.push('Left out of `npm test` for time (they run with CONFORMANCE_RESOURCES=slow or all):');
  L.push('');
  for (const [id, why] of Object.entries(slow)) L.push(`- \`${id}\`: ${why}`);
  L.push('- the methods that need the `walltime` or `cpu` resource, as in Python (listed as skipped at run time when off).');
  L.push('');
  L.push('Time per test file in this run (seconds of test time):');
  L.push('');
  L.push('| file | seconds |');
  L.push('|---|---:|');
  for (const f of files.sort((a, b) => b.seconds - a.seconds)) L.push(`| ${f.name} | ${f.seconds.toFixed(1)} |`);
  L.push('');
  fs.writeFileSync(DOC, L.join('\n'));
  console.log(`wrote ${path.relative(ROOT, DOC)}: ${T.passed} pass of ${T.ported} tests (${rate(T)}), ${T.failed} failing`);
  process.exitCode = T.failed ? 1 : 0;
}

main();
