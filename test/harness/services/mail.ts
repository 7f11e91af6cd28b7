// Mail behind the tunnel host: OpenSMTPD accepts SMTP and delivers to a Maildir that Dovecot serves over POP3 and IMAP.
import { hostname } from 'node:os';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userIds } from './postgres.js';
import { launchService, type ServiceProcess } from './process.js';

export interface MailServices {
  host: string;
  domain: string;
  ports: { smtp: number; pop3: number; imap: number };
  user: string;
  password: string;
  logs(): string;
  close(): Promise<void>;
}

export interface MailOptions {
  ns?: string;
  host: string;
  ports?: { smtp: number; pop3: number; imap: number };
  domain?: string;
}

/** The namespace's hosts file must name this host (OpenSMTPD looks up its own name). */
export const MAIL_HOSTNAME = hostname();

export async function startMail(options: MailOptions): Promise<MailServices> {
  const ports = options.ports ?? { smtp: 25, pop3: 110, imap: 143 };
  const domain = options.domain ?? 'intranet.test';
  const user = 'alice';
  const password = `mail-${Math.random().toString(36).slice(2)}`;
  const dir = await mkdtemp(join(tmpdir(), 'eg-mail-'));
  await chmod(dir, 0o755);
  const owner = await userIds('nobody');
  const maildir = join(dir, 'mail', user, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  for (const path of [join(dir, 'mail'), join(dir, 'mail', user), maildir, ...['cur', 'new', 'tmp'].map((s) => join(maildir, s))]) {
    await chown(path, owner.uid, owner.gid);
  }

  const smtpdConf = join(dir, 'smtpd.conf');
  await writeFile(join(dir, 'virtual'), `${user}@${domain} nobody\n`);
  await writeFile(
    smtpdConf,
    [
      `table vusers file:${join(dir, 'virtual')}`,
      `listen on ${options.host} port ${ports.smtp}`,
      `action "deliver" maildir "${join(dir, 'mail')}/%{dest.user}/Maildir" virtual <vusers>`,
      `match from any for domain "${domain}" action "deliver"`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  const run = join(dir, 'dovecot-run');
  await mkdir(run, { recursive: true });
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}\n`, { mode: 0o644 });
  const dovecotConf = join(dir, 'dovecot.conf');
  await writeFile(
    dovecotConf,
    [
      'protocols = imap pop3',
      `listen = ${options.host}`,
      `base_dir = ${run}`,
      `state_dir = ${join(dir, 'dovecot-state')}`,
      'log_path = /dev/stderr',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `mail_location = maildir:${join(dir, 'mail')}/%n/Maildir`,
      'default_internal_user = dovecot',
      'default_login_user = dovenull',
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%n ${join(dir, 'users')}\n}`,
      `userdb {\n  driver = static\n  args = uid=${owner.uid} gid=${owner.gid} home=${join(dir, 'mail')}/%n\n}`,
      `service imap-login {\n  inet_listener imap {\n    port = ${ports.imap}\n  }\n}`,
      `service pop3-login {\n  inet_listener pop3 {\n    port = ${ports.pop3}\n  }\n}`,
      'first_valid_uid = 1',
      '',
    ].join('\n'),
  );

  const started: ServiceProcess[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(started.map((service) => service.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    started.push(await launchService({ ns: options.ns, command: '/usr/sbin/smtpd', args: ['-d', '-f', smtpdConf], ready: { host: options.host, port: ports.smtp } }));
    started.push(await launchService({ ns: options.ns, command: '/usr/sbin/dovecot', args: ['-F', '-c', dovecotConf], ready: { host: options.host, port: ports.imap } }));
  } catch (err) {
    await close();
    throw err;
  }
  return { host: options.host, domain, ports, user, password, logs: () => started.map((s) => s.logs()).join('\n'), close };
}
