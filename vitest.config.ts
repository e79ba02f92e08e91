import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/setup/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One broker on a 2-core machine: files run one after another so
          // their consumer groups and transactions do not starve each other.
          fileParallelism: false,
        },
      },
    ],
  },
});
