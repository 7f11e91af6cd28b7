// The config's refusal: EG_CONFIG_INVALID naming every field at fault, one "path: reason" line each.
import { GatewayError } from '../../common/errors.js';
import { formatIssue, type Issue } from '../../common/issues.js';

/** EG_CONFIG_INVALID carrying every issue, so callers (CLI, tests) can list them. */
export class ConfigInvalidError extends GatewayError {
  override readonly name = 'ConfigInvalidError';
  readonly issues: readonly Issue[];

  constructor(source: string, issues: readonly Issue[]) {
    const lines = issues.map((issue) => `  ${formatIssue(issue)}`);
    super('EG_CONFIG_INVALID', `invalid configuration (${source}):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}
