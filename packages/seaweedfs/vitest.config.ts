import { defineStowageConfig } from '../../tooling/vitest/shared.js';

export default defineStowageConfig(import.meta.dirname);
