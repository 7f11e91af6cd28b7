import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Scans every captured e2e log line for every issued secret at the end of the run (fails the run on a leak).
    globalSetup: ['test/harness/secret-scan-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers and network namespaces: files run in separate forks, a few at a time on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
