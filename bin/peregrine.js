#!/usr/bin/env node
// The `peregrine` command: runs src/cli.ts directly (Node's type stripping, no build step).
import { main } from '../src/cli.ts';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now and the loop should empty by itself; if some handle lingers,
// do not leave a stopped server hanging around (logs are written synchronously, nothing is lost).
setTimeout(() => process.exit(code), 2000).unref();
