// Saved CloudWatch Logs Insights queries over the gateway's audit lines (gateway/observability/audit.ts: one per connection).
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface AuditQueriesProps {
  stage: string;
  logGroup: logs.ILogGroup;
}

/** Pasted into "one credential's connections" before running it: the credential id from the API's answer or an audit line. */
const CREDENTIAL_ID_PLACEHOLDER = 'PASTE-CREDENTIAL-ID';

const AUDIT = 'kind = "audit"';

/** name → query; every field named is one the audit line carries. */
export const AUDIT_QUERIES: Readonly<Record<string, logs.QueryStringProps>> = {
  'who-reached-what': {
    filterStatements: [AUDIT, 'outcome = "ok"'],
    statsStatements: ['count(*) as connections, sum(bytesUp) as bytesUp, sum(bytesDown) as bytesDown, max(@timestamp) as lastSeen by subject, destination, route, tunnelHost'],
    sort: 'connections desc',
    limit: 1000,
  },
  'denials-by-subject': {
    filterStatements: [AUDIT, 'outcome in ["denied", "auth_failed", "limit"]'],
    statsStatements: ['count(*) as refusals, count_distinct(source) as sources by subject, outcome, code, limit'],
    sort: 'refusals desc',
    limit: 1000,
  },
  'one-credential': {
    fields: ['@timestamp', 'subject', 'source', 'destination', 'route', 'tunnelHost', 'outcome', 'code', 'bytesUp', 'bytesDown', 'durationMs'],
    filterStatements: [AUDIT, `credentialId = "${CREDENTIAL_ID_PLACEHOLDER}"`],
    sort: '@timestamp desc',
    limit: 1000,
  },
  'top-destinations': {
    filterStatements: [AUDIT, 'outcome = "ok"'],
    statsStatements: ['count(*) as connections, sum(bytesUp + bytesDown) as bytes, count_distinct(subject) as subjects by destination'],
    sort: 'connections desc',
    limit: 25,
  },
};

export class AuditQueries extends Construct {
  constructor(scope: Construct, id: string, props: AuditQueriesProps) {
    super(scope, id);
    for (const [name, query] of Object.entries(AUDIT_QUERIES)) {
      new logs.QueryDefinition(this, name, {
        queryDefinitionName: `edge-gateway/${props.stage}/${name}`,
        queryString: new logs.QueryString(query),
        logGroups: [props.logGroup],
      });
    }
  }
}
