/** Unit specs live beside the code (src, as *.spec.ts); e2e and integration tests in test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/migrations'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)sx?$': swc },
  // nanoid ships ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!(nanoid)/)'],
  // Each test file owns a database and Redis prefix, so files run in parallel; most of the time is
  // spent waiting on PostgreSQL, Redis and sockets, so more workers than cores pays off.
  maxWorkers: process.env.JEST_WORKERS ?? 3,
  // A safety net, not a measure: a busy CI machine (the suite beside a CPU hog) may take several
  // times longer than a quiet one; tests wait for events and bound work, never time.
  testTimeout: 180_000,
  setupFiles: ['reflect-metadata'],
  // A WebSocket frame the AsyncAPI document does not describe fails the test (test/support/ws-client.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/frame-violations.setup.ts'],
};
