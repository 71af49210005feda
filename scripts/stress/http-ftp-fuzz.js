#!/usr/bin/env node
// The socket fuzz of serveHttp and serveFtp at full size (npm test runs a small sample):
// test/e2e/http-ftp-fuzz.test.ts with PK_FUZZ_SCALE (default 10: 600 HTTP inputs per model,
// 400 FTP command streams) and an offset into the random sequence, so repeated runs cover new inputs.
//   npx tsc -p tsconfig.build.json && node scripts/stress/http-ftp-fuzz.js [scale=10] [offset=0]
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const scale = process.argv[2] || '10';
const offset = process.argv[3] || '0';
const r = spawnSync('npx', ['vitest', 'run', 'test/e2e/http-ftp-fuzz.test.ts'], {
  cwd: ROOT, stdio: 'inherit', env: { ...process.env, PK_FUZZ_SCALE: scale, PK_FUZZ_OFFSET: offset },
});
process.exit(r.status ?? 1);
