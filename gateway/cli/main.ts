// Entry of the `edge-gateway` CLI: parse, run, and turn failures into one clear line and a non-zero exit.
import { CommanderError } from 'commander';
import { isGatewayError } from '../../common/errors.js';
import { applyV8Flags } from '../v8-flags.js';
import { buildProgram } from './program.js';

applyV8Flags();

// A reader that stops reading (`edge-gateway connections | head -1`) is not a failure: the rest of the output is
// dropped quietly instead of ending in an unhandled EPIPE and a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    const code = isGatewayError(err) ? ` [${err.code}]` : '';
    process.stderr.write(`edge-gateway: ${err instanceof Error ? err.message : String(err)}${code}\n`);
    process.exitCode = 1;
  }
}
