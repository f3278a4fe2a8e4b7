import { defineStowageConfig } from '@stowage/vitest-config';

// Tests import services before the service's entry point: load the reflect polyfill first.
export default defineStowageConfig(import.meta.dirname, { setupFiles: ['reflect-metadata'] });
