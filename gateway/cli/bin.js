#!/usr/bin/env node
// The `edge-gateway` command: registers tsx so the TypeScript sources run as written, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
