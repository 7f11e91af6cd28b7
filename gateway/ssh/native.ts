// Reports whether ssh2 loaded its optional native crypto binding (OpenSSL AES-GCM / ChaCha20, ~2x throughput).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface SshCryptoInfo {
  native: boolean;
  /** Where ssh2 looks for it: lib/protocol/crypto/build/Release/sshcrypto-<abi>.node, else sshcrypto.node. */
  bindingPath: string;
}

/** ssh2's lib/protocol/crypto.js try-requires the binding at load time (it loads either way) and exports `bindingAvailable`. */
export function sshCryptoInfo(): SshCryptoInfo {
  const require = createRequire(import.meta.url);
  const cryptoPath = require.resolve('ssh2/lib/protocol/crypto.js');
  const release = cryptoPath.replace(/crypto\.js$/, 'crypto/build/Release/');
  // The ssh2 patch loads a binding built for this Node's ABI first (scripts/container-node.sh makes one).
  const forThisAbi = `${release}sshcrypto-${process.versions.modules}.node`;
  const { bindingAvailable } = require(cryptoPath) as { bindingAvailable?: unknown };
  return { native: bindingAvailable === true, bindingPath: existsSync(forThisAbi) ? forThisAbi : `${release}sshcrypto.node` };
}
