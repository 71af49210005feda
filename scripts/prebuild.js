#!/usr/bin/env node
// Builds the N-API prebuild that `npm install posixkit` loads without a
// compiler: prebuilds/linux-x64/posixkit.node, stripped. N-API keeps it valid
// on every supported Node. Built against the local headers (nodedir=/usr).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const bin = path.join(ROOT, 'node_modules', '.bin', 'prebuildify');
execFileSync(bin, ['--napi', '--strip', '--name', 'posixkit', '--target', `node@${process.versions.node}`], {
  cwd: ROOT, stdio: 'inherit', env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir || '/usr' },
});
