// A throwaway PostgreSQL cluster (initdb in a temp dir, run as the packaged `postgres` user) with a password login.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchService, type ServiceProcess } from './process.js';

const run = promisify(execFile);

export interface Postgres extends ServiceProcess {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  close(): Promise<void>;
}

export async function postgresBinDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql is empty)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export async function startPostgres(options: { ns?: string; host: string; port: number }): Promise<Postgres> {
  const bin = await postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'eg-pg-'));
  const { uid, gid } = await userIds('postgres');
  await chown(dir, uid, gid);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`);
  await chown(pwfile, uid, gid);
  const data = join(dir, 'data');
  await run('runuser', ['-u', 'postgres', '--', `${bin}/initdb`, '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`]);
  await appendFile(join(data, 'pg_hba.conf'), 'host all all 0.0.0.0/0 scram-sha-256\n');
  const service = await launchService({
    ns: options.ns,
    command: 'runuser',
    args: ['-u', 'postgres', '--', `${bin}/postgres`, '-D', data, '-c', `listen_addresses=${options.host}`, '-c', `port=${options.port}`, '-c', `unix_socket_directories=${dir}`],
    ready: { host: options.host, port: options.port },
  });
  return {
    ...service,
    host: options.host,
    port: options.port,
    user: 'postgres',
    password,
    database: 'postgres',
    close: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
