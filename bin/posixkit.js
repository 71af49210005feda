#!/usr/bin/env node
'use strict';
// The CLI runs with V8's --single-threaded (the fork models need it):
// posixkit/forkable re-executes node in place with the flag when missing.
require('../dist/forkable');
require('../dist/cli').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`posixkit: ${err && err.message ? err.message : err}\n`); process.exitCode = 1; },
);
