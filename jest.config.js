/**
 * Unit tests run pure logic only; workflow tests run the workflow code on a Temporal dev server of
 * their own with fake activities; integration tests run against the real stack the global setup
 * starts. ts-jest transpiles file by file (tsconfig's isolatedModules); `npm run typecheck` checks types.
 */
const tsJest = ['ts-jest', {}];

module.exports = {
  // Jest 30 reads the timeout only at the top level; engine tests wait through several refresh cycles.
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'workflows',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/workflows-global-setup.ts',
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
