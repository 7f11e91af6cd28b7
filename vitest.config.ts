import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers and network namespaces: files run in separate forks, a few at a time on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
