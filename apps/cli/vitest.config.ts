import { defineStowageConfig } from '@stowage/vitest-config';

// The tests run the built CLI (dist/bin.js) as a subprocess, the way users run it.
export default defineStowageConfig(import.meta.dirname, { testTimeout: 60_000 });
