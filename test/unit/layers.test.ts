// The house rules of lib/ (CONTRIBUTING.md, "The house"), checked on every
// run: each file belongs to a layer, imports only run down the layers (http
// and ftp never reach back into models, nothing imports the CLI), and no
// cycle runs while modules load. scripts/import-graph.js prints the graph.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Edge { from: string; to: string; kind: 'value' | 'type' | 'deferred' }
interface Graph { files: string[]; edges: Edge[]; unplaced: string[]; violations: Array<Edge & { why: string }>; cycles: string[][] }
const { analyse } = createRequire(__filename)('../../scripts/import-graph.js') as { analyse(lib?: string): Graph };

describe('lib/ import graph', () => {
  const g = analyse();
  it('reads the whole tree', () => {
    expect(g.files.length).toBeGreaterThan(60);
    expect(g.files).toContain('server/types.ts');
    expect(g.edges.some((e) => e.from === 'models/event.ts' && e.to === 'server/output.ts')).toBe(true);
  });
  it('every file has a layer', () => {
    expect(g.unplaced).toEqual([]);
  });
  it('imports only run down the layers', () => {
    expect(g.violations.map((v) => `${v.from} -> ${v.to}: ${v.why}`)).toEqual([]);
  });
  it('no import cycle runs while modules load', () => {
    expect(g.cycles).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('finds an upward import, an import of the CLI, a load-time cycle, and lets type-only and deferred ones be', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-layers-'));
    try {
      const put = (file: string, text: string): void => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      };
      put('errors.ts', 'export const x = 1;\n');
      put('models/a.ts', "import { b } from '../http/b';\nexport const a = b;\n");
      put('http/b.ts', "import { c } from '../cli/c';\nexport const b = c;\n");
      put('cli/c.ts', 'export const c = 1;\n');
      put('os.ts', "import { s } from './socket';\nexport const o = s;\n");
      put('socket.ts', "import { o } from './os';\nexport const s = 1; export const t = o;\n");
      put('select.ts', "import type { T } from './signal';\nexport type S = T;\n");
      put('signal.ts', "import type { S } from './select';\nexport type T = S;\nexport function f() { return require('./select'); }\n");
      put('stray.ts', 'export {};\n');
      const g = analyse(dir);
      expect(g.unplaced).toEqual(['stray.ts']);
      expect(g.violations.map((v) => `${v.from} -> ${v.to}`).sort()).toEqual(['http/b.ts -> cli/c.ts', 'models/a.ts -> http/b.ts']);
      expect(g.cycles).toEqual([['os.ts', 'socket.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
