// Wraps a Dialer so every carried connection shows in the live table until its channel closes,
// and the time to answer a CONNECT (policy decision + SSH channel open) lands in the handshake histogram.
import type { Duplex } from 'node:stream';
import { errorCodeOf } from '../../common/errors.js';
import { formatDestination, outcomeFor, type Dialer, type DialResult } from '../dial.js';
import type { ConnectionTable, LiveConnection } from './connections.js';
import type { GatewayMetrics } from './metrics.js';

export function trackDialer(dialer: Dialer, table: ConnectionTable, metrics: GatewayMetrics, protocol: LiveConnection['protocol']): Dialer {
  let sequence = 0;
  return {
    async dial(request) {
      const started = performance.now();
      let result: DialResult;
      try {
        result = await dialer.dial(request);
      } catch (err) {
        metrics.handshakeSeconds.observe({ protocol, outcome: outcomeFor(errorCodeOf(err)) }, (performance.now() - started) / 1000);
        throw err;
      }
      metrics.handshakeSeconds.observe({ protocol, outcome: 'ok' }, (performance.now() - started) / 1000);
      const origin = request.origin;
      const tracked = table.track({
        id: `${protocol}-${(++sequence).toString(36)}`,
        protocol,
        source: origin.address.includes(':') ? `[${origin.address}]:${origin.port}` : `${origin.address}:${origin.port}`,
        subject: request.principal.subject,
        destination: formatDestination(request.destination),
        route: result.route,
        tunnelHost: result.tunnelHost,
      });
      countBytes(result.stream, tracked.entry);
      if (result.stream.destroyed) {
        tracked.end();
      } else {
        // The pipe and the SSH layer already hold ~10 'close' listeners; this one is known, not a leak.
        result.stream.setMaxListeners(result.stream.getMaxListeners() + 1);
        result.stream.once('close', () => tracked.end());
      }
      return result;
    },
  };
}

/**
 * Counts bytes without touching the flow: a 'data' listener is added only once the stream is piped
 * (adding one earlier would switch the channel to flowing mode and lose bytes before the pipe exists).
 * `pipe()` emits 'pipe' on its destination: the channel learns its source (the client), and the client
 * learns when the channel is piped into it.
 */
function countBytes(channel: Duplex, entry: LiveConnection): void {
  channel.once('pipe', (client: Duplex) => {
    client.on('data', (chunk: Buffer) => (entry.bytesUp += chunk.length));
    client.on('pipe', (source: unknown) => {
      if (source === channel) channel.on('data', (chunk: Buffer) => (entry.bytesDown += chunk.length));
    });
  });
}
