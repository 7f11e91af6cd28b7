// One TypeScript Lambda as we ship them: esbuild on this machine (no Docker), arm64, own role and log group.
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: entry files are named by path, never imported (infra/ imports only common/). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The newest Node.js runtime this aws-cdk-lib knows; Lambda and its esbuild target follow it. */
const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Optional native bindings: never bundled (esbuild cannot), never needed by a Lambda. */
const EXTERNAL_MODULES = ['ssh2', 'cpu-features'];

export interface NodeFunctionProps {
  /** Entry file relative to the repository root, e.g. "lambdas/handler.ts". */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logRetention: logs.RetentionDays;
  /** Files the code reads at run time: path in the bundle → path from the repository root. */
  bundleFiles?: Record<string, string>;
}

/** Shell commands copying `files` into the bundle (esbuild bundles code, not the files it reads). */
function copyCommands(inputDir: string, outputDir: string, files: Record<string, string>): string[] {
  return Object.entries(files).flatMap(([target, source]) => {
    const to = `${outputDir}/${target}`;
    return [`mkdir -p "$(dirname "${to}")"`, `cp "${inputDir}/${source}" "${to}"`];
  });
}

export class NodeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: writes to this one log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        // ESM output: CommonJS dependencies (the AWS SDK) still call require().
        banner: "import { createRequire as __egCreateRequire } from 'node:module'; const require = __egCreateRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        externalModules: EXTERNAL_MODULES,
        minify: true,
        sourceMap: true,
        target: 'node24',
        ...(props.bundleFiles
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => copyCommands(inputDir, outputDir, props.bundleFiles ?? {}),
              },
            }
          : {}),
      },
    });
  }
}
