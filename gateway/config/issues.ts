// Turns zod issues into "path: reason" lines a person can act on: `listeners.socks.port: Number must be ≤ 65535`.
import type { z } from 'zod';
import { GatewayError } from '../../common/errors.js';

export interface ConfigIssue {
  /** `routes[2].via[0]`; empty for the document itself. */
  path: string;
  message: string;
}

/** EG_CONFIG_INVALID carrying every issue, so callers (CLI, tests) can list them. */
export class ConfigInvalidError extends GatewayError {
  override readonly name = 'ConfigInvalidError';
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    super('EG_CONFIG_INVALID', `invalid configuration (${source}):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function issuesFromZod(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      continue;
    }
    out.push({ path: formatPath(issue.path), message: reasonOf(issue) });
  }
  return out;
}

function reasonOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return bound(issue.origin, issue.inclusive ? '≤' : '<', Number(issue.maximum), 'at most');
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return bound(issue.origin, issue.inclusive ? '≥' : '>', Number(issue.minimum), 'at least');
    case 'invalid_type':
      return issue.message.endsWith('received undefined') ? `required (${issue.expected})` : issue.message.replace(/^Invalid input: /, '');
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `expected one of ${issue.options.map((value: unknown) => JSON.stringify(value)).join(', ')}`;
      }
      return issue.message;
    default:
      return issue.message;
  }
}

function bound(origin: string, sign: string, limit: number, words: string): string {
  switch (origin) {
    case 'number':
    case 'bigint':
      return `Number must be ${sign} ${limit}`;
    case 'string':
      return `must be ${words} ${limit} characters`;
    case 'array':
    case 'set':
      return `must have ${words} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return `must be ${sign} ${limit}`;
  }
}
