// Wraps a Dialer so every carried connection shows in the live table until its channel closes,
// and the time to answer a CONNECT (policy decision + SSH channel open) lands in the handshake histogram.
import { errorCodeOf } from '../../common/errors.js';
import { formatDestination, outcomeFor, type Dialer, type DialResult } from '../dial.js';
import type { ConnectionTable, LiveConnection } from './connections.js';
import type { GatewayMetrics } from './metrics.js';
import { formatEndpoint } from '../endpoint.js';

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
        id: request.conn ?? `${protocol}-${(++sequence).toString(36)}`,
        protocol,
        source: formatEndpoint(origin.address, origin.port),
        subject: request.principal.subject,
        credentialId: request.principal.credentialId,
        destination: formatDestination(request.destination),
        route: result.route,
        tunnelHost: result.tunnelHost,
      }, (reason) => result.stream.destroy(reason));
      if (result.stream.destroyed) {
        tracked.end();
      } else {
        // 'close' comes once: `on` spares the bound wrapper `once` would build per connection.
        result.stream.on('close', () => tracked.end());
      }
      // The pipe counts into the table's entry as bytes pass, so the live view sees them.
      result.counters = tracked.entry;
      return result;
    },
  };
}
