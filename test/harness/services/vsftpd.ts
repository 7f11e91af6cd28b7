// vsftpd with an anonymous, writable upload directory; passive and active (PORT from any port) enabled.
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userIds } from './postgres.js';
import { launchService, type ServiceProcess } from './process.js';

export interface Vsftpd extends ServiceProcess {
  host: string;
  port: number;
  /** Local directory behind /upload. */
  uploadDir: string;
  close(): Promise<void>;
}

export async function startVsftpd(options: { ns?: string; host: string; port: number }): Promise<Vsftpd> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-ftp-'));
  const root = join(dir, 'root');
  const uploadDir = join(root, 'upload');
  await mkdir(uploadDir, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(root, 0o555); // vsftpd refuses a writable anonymous root
  const ftp = await userIds('ftp');
  await chown(uploadDir, ftp.uid, ftp.gid);
  await mkdir('/var/run/vsftpd/empty', { recursive: true });
  const config = [
    'listen=YES',
    'listen_ipv6=NO',
    `listen_address=${options.host}`,
    `listen_port=${options.port}`,
    'background=NO',
    'anonymous_enable=YES',
    'local_enable=NO',
    'no_anon_password=YES',
    `anon_root=${root}`,
    'write_enable=YES',
    'anon_upload_enable=YES',
    'anon_umask=022',
    'pasv_enable=YES',
    'port_enable=YES',
    'connect_from_port_20=NO',
    'seccomp_sandbox=NO',
    'secure_chroot_dir=/var/run/vsftpd/empty',
    'xferlog_enable=NO',
    'vsftpd_log_file=/dev/stderr',
    'dual_log_enable=NO',
    'ftp_username=ftp',
    'use_localtime=NO',
  ];
  const configPath = join(dir, 'vsftpd.conf');
  await writeFile(configPath, config.join('\n') + '\n', { mode: 0o600 });
  const service = await launchService({ ns: options.ns, command: '/usr/sbin/vsftpd', args: [configPath], ready: { host: options.host, port: options.port } });
  return {
    ...service,
    host: options.host,
    port: options.port,
    uploadDir,
    close: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
