// An in-process ssh2 server for odd SSH cases (password, 2FA, signals, any host key type); see
// main/node/ssh/testing/ssh2-server.ts.
export * from '../../main/node/ssh/testing/ssh2-server.js';
