#!/usr/bin/env node
'use strict';
// `npx turnout`: runs the TypeScript CLI (cli/main.ts) through tsx, so the
// operator CLI needs no build step. tsx is registered for this file's imports
// only (a namespaced require), not for the whole process.
const { require: tsxRequire } = require('tsx/cjs/api');

tsxRequire('./main.ts', __filename)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`turnout: ${err && err.message ? err.message.split('\n')[0] : String(err)}\n`);
    process.exitCode = 1;
  });
