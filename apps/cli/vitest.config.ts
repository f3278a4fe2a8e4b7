import { defineStowageConfig } from '@stowage/vitest-config';

// The tests run the built CLI (dist/bin.js) as a subprocess; in-process imports (fixtures)
// load services before the runtime's entry point, so the reflect polyfill goes first.
export default defineStowageConfig(import.meta.dirname, { setupFiles: ['reflect-metadata'] });
