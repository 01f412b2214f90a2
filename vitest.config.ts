import { defineConfig } from 'vitest/config';

// One config, three projects: `unit` (pure modules), `integration` (lading in-process against
// the in-repo fake upstream), `e2e` (real clients and a real upstream; run inside a network
// namespace by test/e2e/run-in-netns.sh).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
