// JSON Schema of the config file (input side: defaults shown, nothing required that has one), for the README reference.
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
