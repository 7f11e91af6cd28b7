// The synthesized template's IAM policies made concrete (one account, one region) and evaluated by an offline IAM
// policy simulator (@cloud-copilot/iam-simulate): identity policies, key policies, explicit denies, conditions.
import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const PARTITION = 'aws';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Json[];
}

/** AWS managed policies CDK's own constructs attach (the template names them by ARN only). */
const MANAGED_POLICIES: Record<string, PolicyDocument> = {
  [`arn:${PARTITION}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`]: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

/** What `Fn::GetAtt [id, "Arn"]` becomes, by resource type; other attributes become "<id>.<attribute>". */
function arnOf(id: string, type: string): string {
  switch (type) {
    case 'AWS::IAM::Role':
      return `arn:${PARTITION}:iam::${ACCOUNT}:role/${id}`;
    case 'AWS::KMS::Key':
      return `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
    case 'AWS::Lambda::Function':
      return `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    default:
      return `arn:${PARTITION}:unknown:${REGION}:${ACCOUNT}:${id}`;
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': PARTITION,
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'EdgeGateway-test',
};

/** The template with its intrinsic functions evaluated (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split). */
export class ResolvedTemplate {
  readonly resources: Record<string, Resource>;

  constructor(template: { Resources: Record<string, Resource> }) {
    this.resources = template.Resources;
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn] as Json;
      switch (fn) {
        case 'Ref':
          return this.#ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = arg as [string, string];
          return attribute === 'Arn' ? arnOf(id, this.#resource(id).Type) : `${id}.${attribute}`;
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, Json[]];
          return parts.map((part) => this.text(part)).join(separator);
        }
        case 'Fn::Sub':
          return (arg as string).replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
            const [id, attribute] = name.split('.') as [string, string | undefined];
            return attribute ? this.text({ 'Fn::GetAtt': [id, attribute] }) : this.#ref(id);
          });
        case 'Fn::Select': {
          const [index, list] = arg as [number, Json];
          return (this.resolve(list) as Json[])[index] ?? null;
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, Json];
          return this.text(text).split(separator);
        }
        default:
          if (fn.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${fn}`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolve(item)]));
  }

  /** A value that must resolve to a string (an ARN, a name). */
  text(value: Json): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  /** Logical ids of every IAM role in the template. */
  roleIds(): string[] {
    return Object.entries(this.resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .map(([id]) => id)
      .sort();
  }

  roleArn(id: string): string {
    return arnOf(id, this.#resource(id).Type);
  }

  keyArn(id: string): string {
    return arnOf(id, this.#resource(id).Type);
  }

  /** Every policy attached to the role: AWS::IAM::Policy resources naming it, inline policies, managed policies. */
  identityPolicies(roleId: string): Array<{ name: string; policy: PolicyDocument }> {
    const role = this.#resource(roleId);
    const attached = Object.entries(this.resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
      .filter(([, resource]) => ((resource.Properties?.Roles ?? []) as Json[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId })))
      .map(([id, resource]) => ({ name: id, policy: this.resolve(resource.Properties?.PolicyDocument ?? null) as unknown as PolicyDocument }));
    const inline = ((role.Properties?.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: Json }>).map((inlinePolicy) => ({
      name: inlinePolicy.PolicyName,
      policy: this.resolve(inlinePolicy.PolicyDocument) as unknown as PolicyDocument,
    }));
    const managed = ((role.Properties?.ManagedPolicyArns ?? []) as Json[]).map((ref) => {
      const arn = this.text(ref);
      const policy = MANAGED_POLICIES[arn];
      if (!policy) throw new Error(`role ${roleId}: unknown managed policy ${arn}`);
      return { name: arn, policy };
    });
    return [...attached, ...inline, ...managed];
  }

  keyPolicy(keyId: string): PolicyDocument {
    return this.resolve(this.#resource(keyId).Properties?.KeyPolicy ?? null) as unknown as PolicyDocument;
  }

  #resource(id: string): Resource {
    const resource = this.resources[id];
    if (!resource) throw new Error(`no resource ${id} in the template`);
    return resource;
  }

  #ref(name: string): string {
    if (name in PSEUDO) return PSEUDO[name] as string;
    this.#resource(name);
    return name;
  }
}

export interface Request {
  action: string;
  resource: string;
  /** Request context (condition keys); aws:PrincipalArn and aws:PrincipalAccount are added. */
  context?: Record<string, string | string[]>;
  /** The resource's own policy (a KMS key policy); none for SSM parameters. */
  resourcePolicy?: PolicyDocument;
}

export interface Principal {
  arn: string;
  policies: Array<{ name: string; policy: PolicyDocument }>;
}

/**
 * "Allowed", "ExplicitlyDenied" or "ImplicitlyDenied". The simulator validates the policies, the action, the
 * resource ARN and the context keys first; any refusal, or a context key it would ignore, throws.
 * (patches/@cloud-copilot+iam-simulate+*.patch teaches it KMS's `kms:EncryptionContext:<key>` keys.)
 */
export async function evaluate(principal: Principal, request: Request): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': ACCOUNT, ...request.context },
      },
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') throw new Error(`simulation of ${request.action} on ${request.resource} refused: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`${request.resource}: expected one concrete resource, got a wildcard simulation`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`${request.action} does not take the context keys ${ignored.join(', ')}`);
  return result.overallResult;
}

export const parameterArn = (name: string): string => `arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter${name}`;

/** The context SSM gives KMS when it encrypts or decrypts a SecureString. */
export function viaSsm(parameterName: string): Record<string, string> {
  return {
    'kms:ViaService': `ssm.${REGION}.amazonaws.com`,
    'kms:CallerAccount': ACCOUNT,
    'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameterName),
  };
}
