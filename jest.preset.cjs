// Shared Jest settings: swc strips types (fast on 2 cores); `tsc --noEmit` (the typecheck
// target) is what checks them. Decorator metadata is on for the NestJS apps that come later.
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Workspace libs resolve through their package.json "development" condition to TypeScript sources.
  testEnvironmentOptions: { customExportConditions: ['development', 'node', 'require', 'default'] },
  testMatch: ['**/*.spec.ts'],
};
