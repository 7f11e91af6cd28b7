// Browser leases as people and operators see them: a person lists and ends their own, an admin any.
import { GatewayError } from '../../common/errors.js';
import type { PolicyRepository } from '../../common/policy-repository.js';
import type { Caller } from '../identity.js';
import { claimSubject } from './credentials.js';

/** What a listing shows: never the credential the record carries. */
export interface LeaseView {
  address: string;
  subject: string;
  groups: string[];
  credentialId: string;
  /** Unix seconds. */
  expiresAt: number;
}

export class LeaseService {
  readonly #repository: PolicyRepository;

  constructor(options: { repository: PolicyRepository }) {
    this.#repository = options.repository;
  }

  async list(caller: Caller): Promise<LeaseView[]> {
    const mine = claimSubject(caller.principal);
    return (await this.#repository.listLeases())
      .filter((lease) => caller.admin || lease.subject === mine)
      .map((lease) => ({ address: lease.address, subject: lease.subject, groups: lease.groups, credentialId: lease.credentialId, expiresAt: lease.expiresAt }));
  }

  /** Ends the lease on `address`; every replica stops honouring it at its next poll. */
  async end(caller: Caller, address: string): Promise<void> {
    const lease = (await this.#repository.listLeases()).find((l) => l.address === address);
    if (!lease) throw new GatewayError('EG_NOT_FOUND', `no active lease for ${JSON.stringify(address.slice(0, 64))}`);
    if (!caller.admin && lease.subject !== claimSubject(caller.principal)) {
      throw new GatewayError('EG_FORBIDDEN', 'only an admin or the lease\'s own subject may end it');
    }
    await this.#repository.deleteLease(address);
  }
}
