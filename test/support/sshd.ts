// A real OpenSSH server for tests: the fixture lives beside the engine (main/node/ssh/testing) so
// the engine's own tests can use it within their TypeScript project; test/ uses it from here.
export * from '../../main/node/ssh/testing/openssh-server.js';
