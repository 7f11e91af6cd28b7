// Benchmark target, run as its own process so its sockets and CPU do not count against the load generator.
// Protocol (one request line per connection): "BULK <n>\n" → n bytes then close; "PING\n" → a small header
// and, 2 ms later, a small body (two writes, as real servers answer), then close; "IDLE\n" → nothing, held open.
import { createServer } from 'node:net';

const CHUNK = Buffer.alloc(256 * 1024, 0x61);
const HEADER = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n');
const BODY = Buffer.from('pong\n');

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  let line = '';
  const onData = (data: Buffer): void => {
    line += data.toString('latin1');
    const end = line.indexOf('\n');
    if (end < 0) return;
    socket.off('data', onData);
    const [command, arg] = line.slice(0, end).split(' ');
    if (command === 'BULK') sendBulk(socket, Number(arg));
    else if (command === 'PING') {
      socket.write(HEADER);
      setTimeout(() => socket.end(BODY), 2);
    } else if (command !== 'IDLE') socket.destroy();
  };
  socket.on('data', onData);
});

function sendBulk(socket: import('node:net').Socket, total: number): void {
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

server.maxConnections = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`READY ${address.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
