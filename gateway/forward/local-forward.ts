// Static local forward (`ssh -L`): every client connection to `listen` becomes a direct-tcpip channel to `target`.
import { pipeBoth } from '../pipe.js';
import { ChannelForward, type ChannelForwardOptions } from './channel-forward.js';

export class LocalForward extends ChannelForward {
  constructor(options: ChannelForwardOptions) {
    super(options, {
      failureMessage: 'forward connection failed',
      carry: ({ client, channel, bytes, shutdown }) => pipeBoth(client, channel.stream, { signal: shutdown, counters: bytes }),
    });
  }
}
