import { defineStowageConfig } from '@stowage/vitest-config';

// The runtime's services need the reflect polyfill before anything imports them.
export default defineStowageConfig(import.meta.dirname, { setupFiles: ['reflect-metadata'] });
