// zod's issues as people read them: "path: reason" (`listeners.socks.port: Number must be ≤ 65535`), for the
// config file, stored records, API bodies, CDK context and forwards alike.
import { z } from 'zod';

/** One thing wrong, wherever it was found: a config file, a stored record, a route list, an API body. */
export interface Issue {
  /** `routes[2].via[0]`, or a parameter name; empty for the document itself. */
  path: string;
  message: string;
}

/** `routes[2].via[0]: unknown tunnel host "db2"`; the message alone when the path is empty. */
export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** `routes[2].via[0]`: the path as a config file or a record is written. */
export const formatPath = (path: readonly PropertyKey[]): string => z.core.toDotPath(path);

export function issuesFromZod(issues: readonly z.core.$ZodIssue[]): Issue[] {
  const out: Issue[] = [];
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

/** Every issue on one line: "destinations[0].ports[0]: port 99999 is outside 1-65535; via[1]: ...". */
export function describeIssues(error: z.ZodError, whole = '(value)'): string {
  return issuesFromZod(error.issues).map((issue) => `${issue.path || whole}: ${issue.message}`).join('; ');
}
