/**
 * One jest run = one real stack: the global setup starts a Temporal dev server
 * and provides a fresh migrated PostgreSQL database (see test/support/global-setup.ts).
 * Suites share that server, so run them with --runInBand (`npm test` does).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
    // openid-client 6 and its dependencies ship ESM only; jest runs CommonJS, so they are compiled like our own code.
    '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': ['ts-jest', { tsconfig: { isolatedModules: true, allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/prisma/generated/', '<rootDir>/.turnout/'],
  modulePathIgnorePatterns: ['<rootDir>/.turnout/', '<rootDir>/dist/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
