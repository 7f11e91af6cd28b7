// What every route handler gets: the authenticated caller (set by the auth middleware) and the services.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiConfig } from '../config.js';
import type { Caller } from '../identity.js';
import type { CredentialService } from '../services/credentials.js';
import type { HostService, RouteService } from '../services/policies.js';

export interface AppEnv {
  Variables: { caller: Caller };
}

export type ApiApp = OpenAPIHono<AppEnv>;

export interface Services {
  credentials: CredentialService;
  routes: RouteService;
  hosts: HostService;
  config: ApiConfig;
}
