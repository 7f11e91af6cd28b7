// The config's refusal: EG_CONFIG_INVALID naming every field at fault, one "path: reason" line each.
import { GatewayError } from '../../common/errors.js';
import type { Issue } from '../../common/issues.js';

export { issuesFromZod } from '../../common/issues.js';
export type ConfigIssue = Issue;

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
