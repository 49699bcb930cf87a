/**
 * The test-support module: signatures as the providers send them, EventBridge envelopes, and the
 * platforms tests run on (in memory and on the emulators). Suites import from here.
 */
export * from "./envelopes";
export * from "./platform";
export * from "./signing";
