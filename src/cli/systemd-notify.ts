/**
 * Tells systemd that the server is ready, once it listens, so a unit can use Type=notify and
 * whatever is ordered after it starts only then (sd_notify(3)).
 *
 * The message is one datagram on the AF_UNIX socket named by NOTIFY_SOCKET. Node cannot send on
 * a Unix datagram socket (its dgram module speaks UDP only; nodejs/node#30059), and a native
 * module would have to be compiled on every machine. So the server runs systemd-notify, which the
 * systemd package installs wherever systemd runs. Since systemd 246 it waits until systemd has
 * processed the message (sd_notify_barrier), so the message is not lost when systemd-notify
 * exits at once; it comes from a child process, hence NotifyAccess=all in the unit.
 */
import type { Host } from './host.js'

/**
 * @param status the STATUS= line `systemctl status` shows
 * @example await notifyReady(process.env, host.run, 'tavern-server is listening on IPv4: 0.0.0.0:8000', warn)
 */
export async function notifyReady (env: Readonly<Record<string, string | undefined>>, run: Host['run'], status: string, warn: (line: string) => void): Promise<void> {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return
  const result = await run('systemd-notify', ['--ready', `--status=${status}`])
  if (result.code === 0) return
  warn(result.code === null
    ? `NOTIFY_SOCKET is set, but systemd-notify could not be run (${result.output}), so systemd is not told that the server is ready. Install it (on Debian it comes with the systemd package), or use Type=exec in the unit.`
    : `systemd-notify --ready failed, so systemd is not told that the server is ready: ${result.output}`)
}
