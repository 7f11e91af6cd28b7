// A connection's record names the limit that ended it from the error itself, never from its message.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../common/errors.js';
import { AuthFailureLimiter, ConnectionLimits, LimitExceededError } from '../../../gateway/limits/index.js';
import { ConnectionRecord, type RecordSink } from '../../../gateway/observability/connection-record.js';
import { PipeError } from '../../../gateway/pipe.js';

const finished: ConnectionRecord[] = [];
const book: RecordSink = { dialSettled: () => undefined, enter: () => undefined, finish: (record) => void finished.push(record) };
const ended = (err: unknown): ConnectionRecord => {
  const record = new ConnectionRecord(book, 'c1', 'socks5', { address: '192.0.2.7', port: 40000 });
  record.end(err);
  return record;
};

describe('ConnectionRecord limit', () => {
  it('takes the limit a refusal names: per source, per subject, failed authentications', () => {
    const limits = new ConnectionLimits({ maxPerSource: 1, maxPerSubject: 1 });
    const first = limits.tryAcquire('192.0.2.7', 'alice');
    expect(first.ok).toBe(true);
    const bySource = limits.tryAcquire('192.0.2.7', 'bob');
    const bySubject = limits.tryAcquire('192.0.2.8', 'alice');
    if (bySource.ok || bySubject.ok) throw new Error('both should be refused');
    expect(ended(bySource.refusal)).toMatchObject({ outcome: 'limit', code: 'EG_LIMIT_EXCEEDED', limit: 'per_source' });
    expect(ended(bySubject.refusal)).toMatchObject({ outcome: 'limit', code: 'EG_LIMIT_EXCEEDED', limit: 'per_subject' });

    const failures = new AuthFailureLimiter({ burst: 1, refillPerSecond: 0.001, maxTrackedKeys: 10 });
    expect(failures.refusalFor('192.0.2.7')).toBeUndefined();
    failures.recordFailure('192.0.2.7');
    expect(ended(failures.refusalFor('192.0.2.7'))).toMatchObject({ outcome: 'limit', limit: 'auth_failures' });
  });

  it('names the lifetime and idle endings by their code, through the pipe that they ended', () => {
    const bytes = { bytesUp: 5, bytesDown: 7 };
    expect(ended(new PipeError('aborted', bytes, new GatewayError('EG_CONNECTION_EXPIRED')))).toMatchObject({ outcome: 'limit', limit: 'lifetime', bytesDown: 7 });
    expect(ended(new PipeError('aborted', bytes, new GatewayError('EG_IDLE_TIMEOUT')))).toMatchObject({ outcome: 'limit', limit: 'idle' });
  });

  it('leaves limit unset for any other ending, whatever its message says', () => {
    expect(ended(new GatewayError('EG_POLICY_DENIED', 'source 192.0.2.7 reached too many routes')).limit).toBeUndefined();
    expect(ended(undefined).limit).toBeUndefined();
    expect(new LimitExceededError('per_source', 'x')).toBeInstanceOf(GatewayError);
  });
});
