// People's sign-in in AWS, read from the synthesized template: a JWT authorizer from the oidc* context keys on
// the people's routes, the self-service page public, IAM on everything else (admin and gateway routes).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfraContext } from '../../infra/context.js';
import { buildApp, gatewayContainer, type BuiltApp } from './build-app.js';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
const SIGN_IN = { oidcIssuer: ISSUER, oidcClientId: 'page-client-id', oidcGroupsClaim: 'cognito:groups', oidcGroupMap: JSON.stringify({ 'partner-staff': ['partners'] }) };

interface RouteResource {
  Properties: { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown };
}

let built: BuiltApp;
beforeAll(() => {
  built = buildApp(SIGN_IN);
}, 240_000);
afterAll(() => built?.close());

const routes = () => Object.values(built.template.findResources('AWS::ApiGatewayV2::Route')) as RouteResource[];
const routeKey = (key: string) => routes().find((r) => r.Properties.RouteKey === key);

describe('people sign in with OIDC (CDK context oidcIssuer, oidcClientId, ...)', () => {
  it('creates a JWT authorizer for the issuer, audience the page\'s client id', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: ISSUER, Audience: ['page-client-id'] },
    });
  });

  it.each(['POST /v1/credentials', 'POST /v1/credentials/revoke', 'GET /v1/leases', 'DELETE /v1/leases/{address}', 'GET /v1/me'])('puts %s behind the JWT authorizer', (key) => {
    const authorizers = Object.keys(built.template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    expect(routeKey(key)?.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizers[0] } });
  });

  it('serves the self-service page and its assets without authorization, and keeps IAM on every other route', () => {
    expect(routeKey('GET /')?.Properties.AuthorizationType).toBe('NONE');
    expect(routeKey('GET /assets/{file}')?.Properties.AuthorizationType).toBe('NONE');
    // Admin (routes, hosts, openapi) and gateway (SSH certificates) calls fall to the default route: IAM.
    expect(routeKey('$default')?.Properties.AuthorizationType).toBe('AWS_IAM');
    const others = routes().filter((r) => !['JWT', 'NONE'].includes(r.Properties.AuthorizationType));
    expect(others.map((r) => r.Properties.RouteKey)).toEqual(['$default']);
    expect(routes().some((r) => /routes|hosts|ssh/.test(r.Properties.RouteKey) && r.Properties.AuthorizationType !== 'AWS_IAM')).toBe(false);
  });

  it('tells the API the issuer, client, groups claim and map, and bundles the page\'s files', () => {
    const id = built.stack.getLogicalId(built.stack.api.handler.function.node.defaultChild as CfnFunction);
    const fn = built.template.findResources('AWS::Lambda::Function')[id] as { Properties: { Environment: { Variables: Record<string, string> }; Code: { S3Key: string } } };
    expect(fn.Properties.Environment.Variables).toMatchObject({
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENT_ID: 'page-client-id',
      OIDC_GROUPS_CLAIM: 'cognito:groups',
      OIDC_GROUP_MAP: JSON.stringify({ 'partner-staff': ['partners'] }),
      OIDC_SCOPES: 'openid profile email',
    });
    const manifest = JSON.parse(readFileSync(join(built.outdir, `${built.stack.artifactId}.assets.json`), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const bundle = join(built.outdir, manifest.files[fn.Properties.Code.S3Key.replace(/\.zip$/, '')]?.source.path ?? 'missing');
    for (const file of ['page.js', 'page.css', 'oauth4webapi.js']) expect(existsSync(join(bundle, 'page-assets', file)), file).toBe(true);
  });

  it("lets the page's origin (the API's endpoint) activate a lease on the gateway, and only with sign-in on", () => {
    const envOf = (app: BuiltApp) => gatewayContainer(app).Environment;
    const origins = envOf(built).find((e) => e.Name === 'EG_PUBLIC_PAGE_ORIGINS');
    const apiId = built.stack.getLogicalId(built.stack.api.httpApi.node.defaultChild as CfnElement);
    expect(origins?.Value).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    expect(envOf(buildApp({})).some((e) => e.Name === 'EG_PUBLIC_PAGE_ORIGINS')).toBe(false);
  });

  it('refuses an issuer without a client id, or one not on https', () => {
    expect(() => parseInfraContext((key) => ({ oidcIssuer: ISSUER })[key])).toThrow(/oidcClientId: required with oidcIssuer/);
    expect(() => parseInfraContext((key) => ({ oidcIssuer: 'http://login.example.com', oidcClientId: 'x' })[key])).toThrow(/oidcIssuer: an https:\/\/ issuer URL/);
  });
});
