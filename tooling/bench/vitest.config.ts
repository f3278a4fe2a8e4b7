import { defineStowageConfig } from '@stowage/vitest-config';

// The guard spawns the bench, which runs on built packages (dist), like `pnpm bench`.
export default defineStowageConfig(import.meta.dirname, {
  include: ['test/**/*.test.ts'],
  testTimeout: 60_000,
});
