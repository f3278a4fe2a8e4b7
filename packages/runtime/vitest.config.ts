import { defineStowageConfig } from '@stowage/vitest-config';

export default defineStowageConfig(import.meta.dirname);
