/** Tests are TypeScript compiled by swc (types are checked by `npm run typecheck`). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
  // aws-local-stepfunctions and a few others ship ESM builds; let swc turn them into CommonJS.
  transformIgnorePatterns: ["/node_modules/(?!(aws-local-stepfunctions)/)"],
  testTimeout: 60000,
  maxWorkers: 2,
  // Longest suites first, also in a clean clone without Jest's timing cache (see the file).
  testSequencer: "<rootDir>/jest.sequencer.js",
  // Test-only environment defaults (see the file).
  setupFiles: ["<rootDir>/jest.setup.js"],
};
