// People's sign-in in AWS: an HTTP API JWT authorizer on the routes a signed-in person uses, and the self-service
// page public (it holds no data). Every other route keeps the API's default, IAM.
import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OidcProps {
  issuer: string;
  clientId: string;
  audiences?: string[];
  groupsClaim: string;
  groupMap: Record<string, string[]>;
  scopes: string[];
}

/** What a signed-in person calls: their credential, its revocation, their leases, who they are. */
const PEOPLE_ROUTES: ReadonlyArray<readonly [apigw.HttpMethod, string]> = [
  [apigw.HttpMethod.POST, '/v1/credentials'],
  [apigw.HttpMethod.POST, '/v1/credentials/revoke'],
  [apigw.HttpMethod.GET, '/v1/leases'],
  [apigw.HttpMethod.DELETE, '/v1/leases/{address}'],
  [apigw.HttpMethod.GET, '/v1/me'],
];

/** The self-service page and its static files. */
const PAGE_ROUTES: ReadonlyArray<readonly [apigw.HttpMethod, string]> = [
  [apigw.HttpMethod.GET, '/'],
  [apigw.HttpMethod.GET, '/assets/{file}'],
];

/** The Lambda environment lambdas/config.ts reads for sign-in. */
export function oidcEnvironment(oidc: OidcProps): Record<string, string> {
  return {
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: oidc.clientId,
    ...(oidc.audiences ? { OIDC_AUDIENCES: oidc.audiences.join(',') } : {}),
    OIDC_GROUPS_CLAIM: oidc.groupsClaim,
    ...(Object.keys(oidc.groupMap).length > 0 ? { OIDC_GROUP_MAP: JSON.stringify(oidc.groupMap) } : {}),
    OIDC_SCOPES: oidc.scopes.join(' '),
  };
}

export class PeopleRoutes extends Construct {
  readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: { httpApi: apigw.HttpApi; handler: lambda.IFunction; oidc: OidcProps }) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('People', props.handler);
    this.authorizer = new HttpJwtAuthorizer('Jwt', props.oidc.issuer, {
      jwtAudience: props.oidc.audiences ?? [props.oidc.clientId],
      identitySource: ['$request.header.Authorization'],
    });
    for (const [method, path] of PEOPLE_ROUTES) props.httpApi.addRoutes({ path, methods: [method], integration, authorizer: this.authorizer });
    for (const [method, path] of PAGE_ROUTES) {
      for (const route of props.httpApi.addRoutes({ path, methods: [method], integration, authorizer: new apigw.HttpNoneAuthorizer() })) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'The self-service page and its script are public by design and carry no data: the person signs in in the browser, and every data route takes a JWT (people) or IAM (admins, gateways).',
        });
      }
    }
  }
}
