/** Compiles a TypeScript entry (path relative to the repository root) and returns the file URL of the ES module. */
export function compile(entry: string): Promise<string>;
export const REPO_ROOT: string;
/** Node flags every gateway launcher passes (see compile.mjs). */
export const NODE_FLAGS: readonly string[];
