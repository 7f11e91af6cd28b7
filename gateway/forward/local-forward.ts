// Static local forward (`ssh -L`): every client connection to `listen` becomes a direct-tcpip channel to `target`.
import { pipeBoth } from '../pipe.js';
import { ChannelForward, type ChannelForwardOptions, type ForwardedConnection } from './channel-forward.js';

export type LocalForwardOptions = ChannelForwardOptions;

export class LocalForward extends ChannelForward {
  protected async carry({ client, channel, bytes, shutdown }: ForwardedConnection): Promise<void> {
    await pipeBoth(client, channel.stream, { signal: shutdown, counters: bytes });
  }
}
