// The policy in force, behind stable PolicyDecider and Authenticator faces: a swap affects only what is asked next,
// so a new policy applies to new connections while live ones keep the channel they already have.
import type { Authenticator, AuthResult, ClientAddress, Decision, Destination, PolicyDecider, Principal } from '../contracts.js';
import type { Issue } from '../../common/issues.js';
import type { GatewayPolicy } from './gateway-policy.js';

export interface PolicyEngines {
  decider: PolicyDecider;
  authenticator: Authenticator;
  /** Records left out while compiling (a lease whose credential does not verify); the rest applies. */
  skipped?: readonly Issue[];
}

export type PolicyCompiler = (policy: GatewayPolicy, now?: () => number) => PolicyEngines;

export class LivePolicy implements PolicyDecider, Authenticator {
  #policy: GatewayPolicy;
  #compiled: PolicyEngines;
  readonly #compile: PolicyCompiler;

  /** Compiles `initial` now: a policy that does not compile fails start-up. */
  constructor(initial: GatewayPolicy, compile: PolicyCompiler) {
    this.#compile = compile;
    this.#policy = initial;
    this.#compiled = compile(initial);
  }

  get current(): GatewayPolicy {
    return this.#policy;
  }

  /** Records the policy in force left out (see PolicyEngines.skipped). */
  get skipped(): readonly Issue[] {
    return this.#compiled.skipped ?? [];
  }

  /** Compiles first, then swaps both references in one synchronous step. */
  swap(next: GatewayPolicy): void {
    const compiled = this.#compile(next);
    this.#policy = next;
    this.#compiled = compiled;
  }

  decide(destination: Destination, principal: Principal): Decision {
    return this.#compiled.decider.decide(destination, principal);
  }

  withPassword(username: string, password: string, client: ClientAddress): AuthResult {
    return this.#compiled.authenticator.withPassword(username, password, client);
  }

  withoutCredentials(client: ClientAddress): AuthResult {
    return this.#compiled.authenticator.withoutCredentials(client);
  }
}
