import { defineConfig } from 'vitest/config';

// kafkajs must load after our read_committed filter is in Node's module cache
// (src/runtime/kafka/kafkajs.ts), and test files of a worker share that cache.
const setupFiles = ['src/runtime/kafka/kafkajs.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles,
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles,
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
