import { defineStowageConfig } from '@stowage/vitest-config';

// tsyringe needs the reflect polyfill before any decorated class loads; a composition root imports it once.
export default defineStowageConfig(import.meta.dirname, { setupFiles: ['reflect-metadata'] });
