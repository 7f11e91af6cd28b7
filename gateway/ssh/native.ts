// Reports whether ssh2 loaded its optional native crypto binding (OpenSSL AES-GCM / ChaCha20, ~2x throughput).
import { createRequire } from 'node:module';

export interface SshCryptoInfo {
  native: boolean;
  /** The binding that loaded (the ssh2 patch tries sshcrypto-<abi>.node, then sshcrypto.node); else where npm builds it. */
  bindingPath: string;
}

/** ssh2's lib/protocol/crypto.js try-requires the binding at load time (it loads either way) and exports what it found. */
export function sshCryptoInfo(): SshCryptoInfo {
  const require = createRequire(import.meta.url);
  const cryptoPath = require.resolve('ssh2/lib/protocol/crypto.js');
  const { bindingAvailable, bindingPath } = require(cryptoPath) as { bindingAvailable?: unknown; bindingPath?: unknown };
  return {
    native: bindingAvailable === true,
    bindingPath: typeof bindingPath === 'string' ? bindingPath : cryptoPath.replace(/crypto\.js$/, 'crypto/build/Release/sshcrypto.node'),
  };
}
