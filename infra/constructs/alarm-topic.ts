// Where alarms go: an SNS topic of the stack's own (encrypted, TLS only, optionally an e-mail subscription), or one you name.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  stage: string;
  /** Subscribed by e-mail (the address must confirm). Empty: none. */
  email: string;
  /** An existing topic to use instead of creating one. Empty: create. */
  topicArn: string;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.topicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', props.topicArn);
    } else {
      // CloudWatch alarms can publish to an encrypted topic only with a customer key whose policy lets CloudWatch use it.
      const key = new kms.Key(this, 'Key', {
        description: `edge-gateway ${props.stage}: alarm topic encryption`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `edge-gateway ${props.stage} alarms`,
        masterKey: key,
        enforceSSL: true,
      });
    }
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
