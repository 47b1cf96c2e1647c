import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{pipelines,connectors,rules,dashboards,tests}/**/*.test.ts'],
    exclude: ['node_modules/**', '.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // One real Kafka broker per run, only when a selected test file uses Kafka (see the file).
    globalSetup: ['tests/support/global-setup.ts'],
    // Lists skipped tests with their reasons at the end; in CI mode fails on an undocumented skip.
    reporters: ['default', './tests/support/skip-reporter.ts'],
  },
});
