// What SSM Parameter Store accepts as a name and a value; both backends enforce the same rules.
import { GatewayError } from '../errors.js';
import { STANDARD_PARAMETER_MAX_BYTES } from '../store.js';

/** SSM: a fully qualified name is "/"-separated segments of [A-Za-z0-9_.-], at most 1011 characters. */
const NAME = /^(\/[A-Za-z0-9_.-]+)+$/;
const MAX_NAME_LENGTH = 1011;

export function assertParameterName(name: string): void {
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new GatewayError('EG_STORE', `invalid parameter name "${name.slice(0, 200)}": "/"-separated segments of letters, digits, "_", "." or "-"`);
  }
}

/** Path arguments of getByPath: a name, tolerated with one trailing slash. */
export function normalizePath(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  assertParameterName(trimmed);
  return trimmed;
}

export function assertValueSize(name: string, value: string, maxBytes = STANDARD_PARAMETER_MAX_BYTES): void {
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) {
    throw new GatewayError('EG_STORE_VALUE_TOO_LARGE', `value of ${name} is ${bytes} bytes; a standard parameter holds at most ${maxBytes}`);
  }
  if (bytes === 0) throw new GatewayError('EG_STORE', `value of ${name} is empty; SSM requires at least one character`);
}
