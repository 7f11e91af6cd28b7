// SSM Parameter Store backend: the real @aws-sdk/client-ssm client, handed in by the caller.
//
// SDK failures become GatewayError EG_STORE naming the operation, the parameter and the SDK error
// name only: SSM validation messages can echo the value, so they are never copied.
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  type Parameter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { GatewayError } from '../errors.js';
import { STANDARD_PARAMETER_MAX_BYTES, type ParameterStore, type PutOptions, type StoredParameter } from '../store.js';
import { assertParameterName, assertValueSize, normalizePath } from './parameter-rules.js';

/** GetParametersByPath returns at most 10 parameters a page. */
const SSM_PAGE_SIZE = 10;

export interface SsmStoreOptions {
  /** Only `send` is used; the caller owns the client (and destroys it, in `onClose` when the store should). */
  client: Pick<SSMClient, 'send'>;
  /** Runs once when the store closes, e.g. to destroy a client opened for it alone. */
  onClose?: () => void;
  /** KMS key for SecureString values; the account's aws/ssm key when unset. */
  kmsKeyId?: string;
  maxValueBytes?: number;
}

function sdkErrorName(err: unknown): string {
  return (err as { name?: unknown }).name === undefined ? 'Error' : String((err as { name?: unknown }).name);
}

/** Real SSM refuses over-long values with a ValidationException; the client-side check normally fires first. */
function isValueTooLarge(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return sdkErrorName(err) === 'ValidationException' && /maximum parameter value|at 'value' failed to satisfy constraint: Member must have length less/i.test(message);
}

function storeError(operation: string, name: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isValueTooLarge(err)) return new GatewayError('EG_STORE_VALUE_TOO_LARGE', `${operation} ${name}: value exceeds the parameter size limit`);
  return new GatewayError('EG_STORE', `${operation} ${name} failed: ${sdkErrorName(err)}`);
}

function toStored(parameter: Parameter | undefined, fallbackName: string): StoredParameter {
  if (!parameter || parameter.Value === undefined) throw new GatewayError('EG_STORE', `SSM answered without a value for ${fallbackName}`);
  return {
    name: parameter.Name ?? fallbackName,
    value: parameter.Value,
    secure: parameter.Type === 'SecureString',
    version: parameter.Version ?? 0,
  };
}

export class SsmStore implements ParameterStore {
  readonly #client: Pick<SSMClient, 'send'>;
  readonly #kmsKeyId: string | undefined;
  readonly #maxValueBytes: number;
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  constructor(options: SsmStoreOptions) {
    this.#client = options.client;
    this.#kmsKeyId = options.kmsKeyId;
    this.#maxValueBytes = options.maxValueBytes ?? STANDARD_PARAMETER_MAX_BYTES;
    this.#onClose = options.onClose;
  }

  async get(name: string): Promise<StoredParameter | undefined> {
    this.#assertOpen();
    assertParameterName(name);
    try {
      const output = await this.#client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return toStored(output.Parameter, name);
    } catch (err) {
      if (sdkErrorName(err) === 'ParameterNotFound') return undefined;
      throw storeError('GetParameter', name, err);
    }
  }

  async getByPath(path: string): Promise<StoredParameter[]> {
    this.#assertOpen();
    const Path = normalizePath(path);
    const found: StoredParameter[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const output = await this.#client.send(
          new GetParametersByPathCommand({ Path, Recursive: true, WithDecryption: true, MaxResults: SSM_PAGE_SIZE, NextToken }),
        );
        for (const parameter of output.Parameters ?? []) found.push(toStored(parameter, Path));
        NextToken = output.NextToken;
      } while (NextToken);
    } catch (err) {
      throw storeError('GetParametersByPath', Path, err);
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async put(name: string, value: string, options: PutOptions = {}): Promise<StoredParameter> {
    this.#assertOpen();
    assertParameterName(name);
    assertValueSize(name, value, this.#maxValueBytes);
    const secure = options.secure ?? false;
    try {
      const output = await this.#client.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: secure ? 'SecureString' : 'String',
          ...(secure && this.#kmsKeyId ? { KeyId: this.#kmsKeyId } : {}),
          Overwrite: options.overwrite ?? true,
          Tier: 'Standard',
        }),
      );
      return { name, value, secure, version: output.Version ?? 0 };
    } catch (err) {
      if (sdkErrorName(err) === 'ParameterAlreadyExists') {
        throw new GatewayError('EG_STORE', `parameter ${name} already exists (ParameterAlreadyExists)`);
      }
      throw storeError('PutParameter', name, err);
    }
  }

  async delete(name: string): Promise<boolean> {
    this.#assertOpen();
    assertParameterName(name);
    try {
      await this.#client.send(new DeleteParameterCommand({ Name: name }));
      return true;
    } catch (err) {
      if (sdkErrorName(err) === 'ParameterNotFound') return false;
      throw storeError('DeleteParameter', name, err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
  }

  #assertOpen(): void {
    if (this.#closed) throw new GatewayError('EG_STORE', 'SSM store is closed');
  }
}
