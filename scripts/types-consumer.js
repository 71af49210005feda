// A TypeScript consumer of an installed posixkit: imports every subpath that
// package.json exports and compiles under each moduleResolution a user may
// have: node10 (what `"module": "commonjs"` projects get), node16 (CommonJS
// and ESM files) and bundler. node10 ignores `exports`, so it only finds the
// subpaths through `typesVersions`. Used by scripts/pack-check.js (on the
// packed tarball) and test/e2e/types-consumer.test.ts (on this checkout).
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** The subpaths a consumer can import ('posixkit', 'posixkit/os', ...), from package.json's exports. */
function subpaths(pkg) {
  return Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'posixkit' : `posixkit/${k.slice(2)}`));
}

// Every subpath as a namespace, each checked to be typed (a wrong call must be an error, so an
// untyped `any` module cannot pass), and a few calls whose types a user relies on.
function source(pkg) {
  const ns = subpaths(pkg).map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  const used = subpaths(pkg).map((_, i) => `m${i}`).join(', ');
  return `${ns}
import { fork, waitpid, WEXITSTATUS } from 'posixkit/os';
import { socket, AF_INET, type SockAddr } from 'posixkit/socket';
import { serve, echoCore, type ServeStats } from 'posixkit/models';

export const modules = [${used}];
export function run(): number {
  const pid: number = fork();
  if (pid === 0) return 0;
  const [, status] = waitpid(pid, 0);
  // @ts-expect-error waitpid takes (pid, options)
  waitpid('x');
  return WEXITSTATUS(status);
}
export function name(): string {
  using s = socket(AF_INET);
  const a: SockAddr = s.getsockname();
  return Array.isArray(a) ? String(a[0]) : String(a);
}
export const serveIt = (port: number): ServeStats => serve('epoll', { address: { port }, core: echoCore() });
`;
}

const CONFIGS = {
  node10: { module: 'commonjs', moduleResolution: 'node10' },
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};

/**
 * Writes the consumer into `dir` (which has node_modules/posixkit) and runs
 * tsc once per moduleResolution, all at once. Resolves to { name: null | errors }.
 */
async function checkTypes(dir, { tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), typeRoots = path.join(ROOT, 'node_modules', '@types'), env } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'posixkit', 'package.json'), 'utf8'));
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'consumer.ts'), source(pkg));
  // node16 also compiles an ES module importing the CommonJS package by name.
  fs.writeFileSync(path.join(dir, 'src', 'esm.mts'), `import { fork } from 'posixkit/os';\nimport pk from 'posixkit';\nexport const f: () => number = fork;\nexport const g: () => number = pk.os.getpid;\n`);
  const runs = Object.entries(CONFIGS).map(([name, opts]) => {
    const config = {
      compilerOptions: {
        ...opts, target: 'ES2022', lib: ['ES2023', 'ESNext.Disposable'], strict: true, noEmit: true,
        esModuleInterop: true, skipLibCheck: false, types: ['node'], typeRoots: [typeRoots],
      },
      files: name === 'node16' ? ['src/consumer.ts', 'src/esm.mts'] : ['src/consumer.ts'],
    };
    fs.writeFileSync(path.join(dir, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
    return new Promise((resolve) => {
      execFile(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: dir, encoding: 'utf8', env: env ?? process.env, timeout: 240_000 },
        (err, stdout, stderr) => resolve([name, err ? `${stdout}${stderr}`.trim() || String(err) : null]));
    });
  });
  return Object.fromEntries(await Promise.all(runs));
}

module.exports = { checkTypes, subpaths, CONFIGS };
