import { defineConfig } from 'vitest/config';

// `npm run test:linux`: the Linux boots only (test/linux/*.linux.ts), never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/linux/**/*.linux.ts'],
    setupFiles: ['./test/setup.ts'],
    reporters: ['default', './summary-reporter.ts'],
    testTimeout: 3_600_000,
    fileParallelism: false,
  },
});
