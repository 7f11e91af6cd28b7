// The control-plane store: SSM Parameter Store in AWS, a file-backed store locally. One interface, one contract test.

export interface StoredParameter {
  /** Full path, e.g. "/edge-gateway/dev/routes/web". */
  name: string;
  value: string;
  secure: boolean;
  version: number;
}

export interface PutOptions {
  /** SecureString in SSM; mode 0600 either way in the file store. */
  secure?: boolean;
  /** Default true. With false, putting an existing name fails with EG_STORE. */
  overwrite?: boolean;
}

export interface ParameterStore {
  get(name: string): Promise<StoredParameter | undefined>;
  /** Every parameter below `path` (recursive), all pages. */
  getByPath(path: string): Promise<StoredParameter[]>;
  put(name: string, value: string, options?: PutOptions): Promise<StoredParameter>;
  /** Resolves false when the parameter did not exist. */
  delete(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** SSM standard-tier parameter values hold at most 4 KB. */
export const STANDARD_PARAMETER_MAX_BYTES = 4096;
