// Types for socksv5 0.0.6 as patched by patches/socksv5+0.0.6.patch (the package ships none).
// Only gateway/socks/listener.ts imports it.
declare module 'socksv5' {
  import type { Socket } from 'node:net';
  import { EventEmitter } from 'node:events';

  namespace socksv5 {
    type AuthCallback = (result: boolean | Error) => void;

    interface AuthHandler {
      METHOD: number;
      server(stream: Socket, cb: AuthCallback): void;
    }

    interface RequestInfo {
      cmd: 'connect' | 'bind' | 'udp';
      srcAddr: string | undefined;
      srcPort: number | undefined;
      dstAddr: string;
      dstPort: number;
    }

    /** Writes the success reply and hands back the client socket; never call it without `true`. */
    type Accept = (intercept: true) => Socket | undefined;
    /** Patched: takes an RFC 1928 reply code and always writes a 10-byte reply. */
    type Deny = (reply?: number) => void;

    /** Patched: errors from the parser or auth subnegotiation; `reply` is set for request-phase errors. */
    interface HandshakeError extends Error {
      reply?: number;
      command?: string;
    }

    interface ServerOptions {
      auths?: AuthHandler[];
      /** Patched: auth handlers built per connection, called when the greeting arrives with the methods it offers. */
      authsFor?: (socket: Socket, methods: Uint8Array) => AuthHandler[];
      debug?: (message: string) => void;
    }

    class Server extends EventEmitter {
      constructor(options?: ServerOptions);
      /** Patched: serve a socket accepted by the caller's own net.Server. */
      handleConnection(socket: Socket): this;
      on(event: 'connection', listener: (info: RequestInfo, accept: Accept, deny: Deny, socket: Socket) => void): this;
      on(event: 'handshakeError', listener: (err: HandshakeError, socket: Socket) => void): this;
    }

    const auth: {
      None(): AuthHandler;
      UserPassword(check: (user: string, password: string, cb: (ok: boolean) => void) => void): AuthHandler;
    };

    /** Patched: a full 10-byte RFC 1928 reply with the given code. */
    function fullReply(reply: number): Buffer;
  }

  export = socksv5;
}
