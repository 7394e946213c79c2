// A first hop's TCP connection opened ahead of the SSH connection that will use it (SshEngine.preconnect, and the
// CLI's exec before its own code has loaded: cli/first-hops.ts). Only the TCP handshake happens here: nothing is
// ever written on the socket; the engine hands it to ssh2 for the SSH handshake, the host-key check and the login
// when a connect() to that host and port takes it. node:net is looked up when a connection opens, not when this
// module loads, so the CLI's entry can hold this code without loading net for --version or --help.
import type net from 'node:net';

export interface EarlyTcp {
  host: string;
  port: number;
  socket: net.Socket;
  /** The socket once connected; rejects with the socket's own error (the engine words it for the hop). */
  ready: Promise<net.Socket>;
}

const ignore = () => {};

/** Opens the TCP connection to host:port (a numeric address goes straight to connect(), never through a resolver). */
export function openEarlyTcp(hop: { host: string; port: number }): EarlyTcp {
  const socket = process.getBuiltinModule('node:net').connect({ host: hop.host, port: hop.port });
  const ready = new Promise<net.Socket>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      // Until ssh2 takes it (and listens itself), a reset must not end the process: ssh2 then finds it closed.
      socket.on('error', ignore);
      resolve(socket);
    });
  });
  ready.catch(ignore); // reported by the connect() that takes it
  return { host: hop.host, port: hop.port, socket, ready };
}

/**
 * Resolves once each connection attempt has left: Node starts a numeric address's connect on the next tick and a
 * name's after its lookup, so synchronous work begun before then would hold the attempt back. A name that is slow
 * to resolve is waited for at most `waitMs`.
 */
export function attemptsUnderWay(connections: EarlyTcp[], waitMs = 20): Promise<void> {
  const isIP = process.getBuiltinModule('node:net').isIP;
  return Promise.all(
    connections.map(
      (early) =>
        new Promise<void>((resolve) => {
          if (isIP(early.host)) {
            setImmediate(resolve);
            return;
          }
          const timer = setTimeout(done, waitMs);
          function done() {
            clearTimeout(timer);
            early.socket.removeListener('lookup', onLookup);
            resolve();
          }
          // 'lookup' is emitted just before the connect starts; the continuation runs after it.
          const onLookup = () => setImmediate(done);
          early.socket.once('lookup', onLookup);
          early.ready.then(done, done);
        }),
    ),
  ).then(ignore);
}
