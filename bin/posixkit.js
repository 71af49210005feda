#!/usr/bin/env node
'use strict';
// The server commands fork (the models, the status reporter), which needs
// V8's --single-threaded: posixkit/forkable re-executes node in place with
// the flag when it is missing. The other commands (help, models, ftp-client)
// start without that second exec.
if (['echo', 'chat', 'http', 'ftp'].includes(process.argv[2])) require('../dist/forkable');
require('../dist/cli').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`posixkit: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
