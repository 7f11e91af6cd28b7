// The data plane: the gateway container on ECS Fargate in private subnets, behind an internet-facing NLB.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from './node-function.js';
import type { Parameters } from './parameters.js';

/** The gateway's listening ports (gateway config defaults). */
export const GATEWAY_PORTS = {
  socks: 1080,
  httpProxy: 8080,
  /** /healthz, /readyz, /proxy.pac, /v1/lease */
  publicHttp: 8081,
} as const;

/**
 * The TLS listeners, on when the stage names a certificate: the load balancer passes TCP through and the gateway
 * terminates TLS, so the client's address reaches the gateway unchanged (docs/deploy.md says why).
 * `listener` is the load balancer's port, `container` the gateway's (non-root, so above 1024).
 */
export const GATEWAY_TLS_PORTS = {
  httpsProxy: { listener: 8443, container: 8443 },
  publicHttps: { listener: 443, container: 8444 },
} as const;

const READY_PATH = '/readyz';
const CONTAINER_NAME = 'gateway';

export interface GatewayServiceProps {
  stage: string;
  parameters: Parameters;
  /** The SOCKS5 listener and its port on the load balancer; off: neither (the gateway runs with EG_SOCKS=off). */
  socks: boolean;
  /** Ingress sources for every public port; empty means none. */
  allowedClientCidrs: readonly string[];
  cpu: number;
  memoryMiB: number;
  desiredCount: number;
  minCount: number;
  maxCount: number;
  targetCpuPercent: number;
  natGateways: number;
  maxAzs: number;
  logRetention: logs.RetentionDays;
  /** CloudWatch namespace of the gateway's EMF metric lines. */
  metricsNamespace: string;
  /** SSM parameters of the HTTPS listeners' certificate chain and key (SecureString); no TLS listeners without. */
  tls?: { certificateParameter: string; keyParameter: string; domainName: string };
}

export class GatewayService extends Construct {
  readonly vpc: ec2.Vpc;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly service: ecs.FargateService;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly taskRole: iam.IRole;
  readonly container: ecs.ContainerDefinition;
  /** The gateway's stdout: JSON logs, one audit line per connection, EMF metric lines. */
  readonly logGroup: logs.LogGroup;
  /** The HTTP proxy port's targets, always present; every port's target group probes the same /readyz. */
  readonly readinessTargets: elbv2.NetworkTargetGroup;

  constructor(scope: Construct, id: string, props: GatewayServiceProps) {
    super(scope, id);
    // Tasks in private subnets reach SSM, ECR, CloudWatch and the tunnel hosts through NAT (the main fixed cost).
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    // Rejected packets only: enough to see blocked clients, a fraction of the cost of ALL.
    this.vpc.addFlowLog('RejectedFlows', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // Reads what gateway/sync/ loads, writes browser leases (gateway/browser/), never the signing keys.
    props.parameters.grantGateway(taskDefinition.taskRole, { leaseWrites: true });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret settings (stage, parameter prefix, region); secrets stay in SSM SecureStrings read at run time.',
    });

    const ports = [
      ...Object.entries(GATEWAY_PORTS)
        .filter(([name]) => props.socks || name !== 'socks')
        .map(([name, port]) => ({ name, listener: port, container: port })),
      ...(props.tls ? Object.entries(GATEWAY_TLS_PORTS).map(([name, port]) => ({ name, ...port })) : []),
    ];
    if (props.tls) props.parameters.grantGatewayTls(taskDefinition.taskRole, props.tls);

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: `edge-gateway ${props.stage}: client access to the proxy ports`,
      allowAllOutbound: false,
    });
    for (const cidr of props.allowedClientCidrs) {
      const peer = cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
      for (const { listener } of ports) {
        this.loadBalancerSecurityGroup.addIngressRule(peer, ec2.Port.tcp(listener), `clients from ${cidr} to ${listener}`);
      }
    }
    if (props.allowedClientCidrs.some((cidr) => cidr.endsWith('/0'))) {
      Validations.of(this.loadBalancerSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'Open to every address only because the operator listed a /0 CIDR in allowedClientCidrs; every connection still needs a credential, lease or trusted CIDR.',
      });
    }
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      crossZoneEnabled: true,
      securityGroups: [this.loadBalancerSecurityGroup],
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'A Network Load Balancer writes access logs only for TLS listeners; these are plain TCP pass-through (the gateway terminates TLS itself). Per-connection audit lines come from the gateway itself.',
    });

    const logGroup = (this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN }));
    const readyUrl = `http://127.0.0.1:${GATEWAY_PORTS.publicHttp}${READY_PATH}`;
    this.taskRole = taskDefinition.taskRole;
    const container = (this.container = taskDefinition.addContainer(CONTAINER_NAME, {
      image: ecs.ContainerImage.fromAsset(PROJECT_ROOT, { file: 'gateway/Dockerfile', platform: Platform.LINUX_AMD64 }),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'gateway', logGroup }),
      // EG_* are the gateway's config overrides (gateway/config/env.ts); they win over the image's YAML.
      environment: {
        STAGE: props.stage,
        PARAMETER_PREFIX: props.parameters.prefix,
        AWS_REGION: Stack.of(this).region,
        EG_STORE: 'ssm',
        EG_STAGE: props.stage,
        EG_PARAMETER_PREFIX: props.parameters.prefix,
        EG_SSM_REGION: Stack.of(this).region,
        // PAC files and lease answers name the load balancer, not the task's private address.
        ...(props.socks
          ? {
              EG_SOCKS_HOST: '0.0.0.0',
              EG_SOCKS_PORT: String(GATEWAY_PORTS.socks),
              EG_SOCKS_ADVERTISE: `${this.loadBalancer.loadBalancerDnsName}:${GATEWAY_PORTS.socks}`,
            }
          : { EG_SOCKS: 'off' }),
        EG_HTTP_PROXY_ADVERTISE: `${this.loadBalancer.loadBalancerDnsName}:${GATEWAY_PORTS.httpProxy}`,
        EG_HTTP_PROXY_HOST: '0.0.0.0',
        EG_HTTP_PROXY_PORT: String(GATEWAY_PORTS.httpProxy),
        EG_PUBLIC_HOST: '0.0.0.0',
        EG_PUBLIC_PORT: String(GATEWAY_PORTS.publicHttp),
        // Metrics leave the task as EMF lines on this log stream: no sidecar, no extra permission.
        EG_METRICS_EMF_NAMESPACE: props.metricsNamespace,
        ...(props.tls
          ? {
              EG_HTTPS_PROXY_HOST: '0.0.0.0',
              EG_HTTPS_PROXY_PORT: String(GATEWAY_TLS_PORTS.httpsProxy.container),
              // The certificate's name, not the load balancer's: that is the name a client can verify.
              EG_HTTPS_PROXY_ADVERTISE: `${props.tls.domainName}:${GATEWAY_TLS_PORTS.httpsProxy.listener}`,
              EG_PUBLIC_HTTPS_HOST: '0.0.0.0',
              EG_PUBLIC_HTTPS_PORT: String(GATEWAY_TLS_PORTS.publicHttps.container),
              EG_TLS_CERTIFICATE_PARAMETER: props.tls.certificateParameter,
              EG_TLS_KEY_PARAMETER: props.tls.keyParameter,
            }
          : {}),
      },
      // node:20-slim has no curl; Node's fetch is the probe.
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('${readyUrl}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // SIGTERM drain: the gateway stops accepting and lets live tunnels finish.
      stopTimeout: Duration.seconds(60),
      portMappings: ports.map(({ container: containerPort }) => ({ containerPort, protocol: ecs.Protocol.TCP })),
    }));

    // Set after addContainer: the execution role and its policy exist only once an image needs pulling.
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; AWS requires "*" for it (image pulls themselves are scoped to the asset repository).',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: props.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      healthCheckGracePeriod: Duration.seconds(60),
    });

    const targetGroups: Record<string, elbv2.NetworkTargetGroup> = {};
    for (const { name, listener: listenerPort, container: port } of ports) {
      // TCP pass-through on every port, TLS ones included: TLS ends in the gateway, the client address survives.
      const listener = this.loadBalancer.addListener(`Listener-${name}`, { port: listenerPort, protocol: elbv2.Protocol.TCP });
      targetGroups[name] = listener.addTargets(`Targets-${name}`, {
        port,
        protocol: elbv2.Protocol.TCP,
        targets: [this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: port })],
        // The gateway sees the real client address (leases and trusted CIDRs depend on it).
        preserveClientIp: true,
        deregistrationDelay: Duration.seconds(60),
        healthCheck: {
          protocol: elbv2.Protocol.HTTP,
          port: String(GATEWAY_PORTS.publicHttp),
          path: READY_PATH,
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
      });
      // Only the load balancer reaches the tasks (its security group, whatever the client address).
      this.service.connections.allowFrom(this.loadBalancerSecurityGroup, ec2.Port.tcp(port), `load balancer to ${name}`);
    }
    this.readinessTargets = targetGroups.httpProxy as elbv2.NetworkTargetGroup;

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minCount, maxCapacity: props.maxCount });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.targetCpuPercent,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
  }

  get dnsName(): string {
    return this.loadBalancer.loadBalancerDnsName;
  }

  /**
   * Tunnel hosts with `auth.type: certificate`: the gateway asks the API to sign its ephemeral key,
   * SigV4-signed with the task role, which may invoke only that route.
   */
  useCertificateApi(api: { url: string; certificateRouteArn: string }): void {
    this.container.addEnvironment('EG_CERT_API_URL', api.url);
    this.container.addEnvironment('EG_CERT_API_SIGV4_REGION', Stack.of(this).region);
    this.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [api.certificateRouteArn] }));
  }
}
