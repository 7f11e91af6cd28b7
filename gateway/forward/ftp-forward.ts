// FTP-aware local forward: the control connection rides a channel and is watched; each data connection gets its own.
import type { Socket } from 'node:net';
import type { PipeResult } from '../pipe.js';
import { ChannelForward, type ChannelForwardOptions, type ForwardedConnection } from './channel-forward.js';
import { runFtpSession, type ActiveModeOptions } from './ftp/session.js';

export interface FtpForwardOptions extends ChannelForwardOptions {
  /** Without it, PORT/EPRT are refused (502) and clients must use passive mode. */
  active?: ActiveModeOptions;
}

export class FtpForward extends ChannelForward<FtpForwardOptions> {
  protected override readonly failureMessage = 'ftp forward connection failed';

  /** The session reads the control connection itself: count it, and hold it until the channel is open. */
  protected override prepare(client: Socket, bytes: PipeResult): void {
    client.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
    client.pause();
  }

  protected async carry({ conn, client, channel, bytes, shutdown }: ForwardedConnection): Promise<void> {
    channel.stream.on('data', (chunk: Buffer) => (bytes.bytesDown += chunk.length));
    await runFtpSession({
      client,
      server: channel.stream,
      tunnelHost: channel.host,
      serverHost: this.destination.host,
      active: this.options.active,
      data: { dialer: this.options.dialer, pools: this.options.pools, book: this.options.book, forward: this.name },
      log: this.options.log.child({ conn, forward: this.name }),
      signal: shutdown,
    });
  }
}
