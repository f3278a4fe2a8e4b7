#!/usr/bin/env node
import * as nodeModule from 'node:module';
import { main } from './main.js';

// Start-up is most of a short command's time: cache compiled code between runs.
nodeModule.enableCompileCache?.();

const code = await main(process.argv);
// Let stdout drain (a pipe may still hold data), then exit even if a stray handle lingers.
process.stdout.write('', () => process.exit(code));
