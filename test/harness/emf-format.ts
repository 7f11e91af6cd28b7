// Checks a log line against CloudWatch's embedded metric format (EMF) specification: its published JSON Schema
// (written out here as the spec states it), plus the rules a schema cannot state: every referenced dimension is a
// string member of the root, every metric a number or at most 100 numbers, at most 100 metrics per directive.
import { Ajv } from 'ajv';

const NAME = { type: 'string', minLength: 1, maxLength: 255 } as const;
const UNITS =
  '^(Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None)$';

export const EMF_JSON_SCHEMA = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer' },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            properties: {
              Namespace: NAME,
              Dimensions: { type: 'array', minItems: 1, items: { type: 'array', minItems: 0, maxItems: 9, items: NAME } },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: { type: 'object', required: ['Name'], properties: { Name: NAME, Unit: { type: 'string', pattern: UNITS } } },
              },
            },
          },
        },
      },
    },
  },
} as const;

const validateSchema = new Ajv({ allErrors: true, strict: true }).compile(EMF_JSON_SCHEMA);

export interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}

/** The problems with one parsed log line as an EMF document; empty when it is a valid one. */
export function emfProblems(line: Record<string, unknown>): string[] {
  if (!validateSchema(line)) return (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
  const problems: string[] = [];
  const directives = (line._aws as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics;
  for (const directive of directives) {
    for (const key of directive.Dimensions.flat()) {
      if (typeof line[key] !== 'string') problems.push(`dimension "${key}" is not a string member of the root`);
    }
    for (const { Name } of directive.Metrics) {
      const value = line[Name];
      const numeric = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
      if (Array.isArray(value)) {
        if (value.length > 100 || !value.every(numeric)) problems.push(`metric "${Name}" is not an array of at most 100 numbers`);
      } else if (!numeric(value)) problems.push(`metric "${Name}" is not a number`);
    }
  }
  return problems;
}
