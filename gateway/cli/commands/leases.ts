// `edge-gateway leases list|end`: a person's browser leases (all of them for an admin), through the API.
import type { Command } from 'commander';
import { bearerClient, printJson, withApi, type ApiOptions } from '../http-client.js';

export function addLeasesCommand(program: Command): void {
  const leases = program.command('leases').description('list or end browser leases (your own; an admin sees and ends any)');
  withApi(leases.command('list').description('list active leases'))
    .option('--json', 'print the API response as JSON')
    .action(async (opts: ApiOptions & { json?: boolean }) => {
      const json = (await bearerClient(opts.api, opts.token, 'EG_API_TOKEN')('v1/leases')) as {
        leases: Array<{ address: string; subject: string; credentialId: string; expiresAt: number }>;
      };
      if (opts.json) return printJson(json);
      if (json.leases.length === 0) return void process.stdout.write('no active lease\n');
      for (const lease of json.leases) {
        process.stdout.write(`${lease.address}\t${lease.subject}\tcredential ${lease.credentialId}\tuntil ${new Date(lease.expiresAt * 1000).toISOString()}\n`);
      }
    });
  withApi(leases.command('end').description('end the lease on an address; every gateway stops honouring it at its next poll').argument('<address>', 'the leased client address'))
    .addHelpText('after', '\nExample:\n  edge-gateway leases end 203.0.113.7 --api http://127.0.0.1:8787 --token "$EG_API_TOKEN"\n')
    .action(async (address: string, opts: ApiOptions) => {
      await bearerClient(opts.api, opts.token, 'EG_API_TOKEN')(`v1/leases/${encodeURIComponent(address)}`, { method: 'DELETE' });
      process.stdout.write(`lease on ${address} ended\n`);
    });
}
