// FTP-aware local forward: the control connection rides a channel and is watched; each data connection gets its own.
import { ChannelForward, type ChannelForwardOptions } from './channel-forward.js';
import { runFtpSession, type ActiveModeOptions } from './ftp/session.js';

export interface FtpForwardOptions extends ChannelForwardOptions {
  /** Without it, PORT/EPRT are refused (502) and clients must use passive mode. */
  active?: ActiveModeOptions;
}

export class FtpForward extends ChannelForward {
  constructor(options: FtpForwardOptions) {
    const { name: forward, active, dialer, pools, book, log } = options;
    super(options, {
      failureMessage: 'ftp forward connection failed',
      /** The session reads the control connection itself: count it, and hold it until the channel is open. */
      prepare(client, bytes) {
        client.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
        client.pause();
      },
      async carry({ conn, client, channel, destination, bytes, shutdown }) {
        channel.stream.on('data', (chunk: Buffer) => (bytes.bytesDown += chunk.length));
        const data = { dialer, pools, book, forward };
        await runFtpSession({ client, server: channel.stream, tunnelHost: channel.host, serverHost: destination.host, active, data, log: log.child({ conn, forward }), signal: shutdown });
      },
    });
  }
}
