// `cdk synth` / `cdk deploy` entry (cdk.json runs it with tsx). Settings come from cdk.json context or -c key=value.
import { createEdgeGatewayApp } from '../edge-gateway-app.js';

createEdgeGatewayApp();
