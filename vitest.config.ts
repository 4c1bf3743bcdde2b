import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Isolation costs ~4x wall time; tests use their own platforms/child containers, never the global one.
    isolate: false,
    reporters: ['default', './summary-reporter.ts'],
    testTimeout: 20_000,
  },
});
