/**
 * The process glue, and the only module that touches `process`: argv, environment, signals and
 * the exit code.
 */
import { hostname, networkInterfaces, userInfo } from 'node:os'
import { systemProbe } from '../access/docker-hosts.js'
import { describeInvocation } from '../invocation.js'
import { machineHost } from './host.js'
import { runCli } from './run.js'
import { notifyReady } from './systemd-notify.js'
import { keepTickShape } from './tick-shape.js'
import type { Io, RunningServer } from './serve.js'
import { describeUser } from './user.js'

/* c8 ignore start -- asked only where /proc is missing (macOS, Windows): on Linux a lock's owner is read from /proc (process-owner.ts, tested with a fake /proc and the fallback probe) */
function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
/* c8 ignore stop */

/**
 * Ctrl-C and SIGTERM stop the server gracefully (twice: at once); SIGHUP re-reads the whitelist,
 * TLS files and access log without dropping connections. Installed before the address is
 * printed: a signal sent the moment the server says it is ready must not find Node's default
 * action (the end of the process) still in place.
 */
function handleSignals (server: RunningServer): void {
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: stopping now without waiting.\n`)
      process.exit(1)
    }
    stopping = true
    process.stdout.write(`${signal} received: finishing requests in progress, then stopping.\n`)
    server.close().then(() => {
      process.exitCode = 0
      // Exit even if a stray handle would keep the process alive; normally it ends by itself.
      setTimeout(() => process.exit(0), 200).unref()
    }, /* c8 ignore next 4 -- close() rejects only when a Fastify onClose hook throws, and ours do not */
    (error: unknown) => {
      process.stderr.write(`Error while stopping: ${(error as Error).message}\n`)
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGHUP', () => {
    process.stdout.write('SIGHUP received: reloading.\n')
    server.reload().then(() => { process.stdout.write('Reload done.\n') }, /* c8 ignore next -- every reload step reports its own failure (Lifecycle.attempt) */
      (error: unknown) => { process.stderr.write(`Reload failed, the server goes on as it was: ${(error as Error).message}\n`) })
  })
}

/** Runs tavern-server with this process's arguments, environment and streams. */
export async function main (argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  keepTickShape(process.nextTick)
  const io: Io = {
    // A getter: standard input is opened only by the commands that read it.
    get stdin () { return process.stdin },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    pid: process.pid,
    isRunning,
    interfaces: networkInterfaces,
    hostname,
    containerProbe: systemProbe,
    user: () => describeUser(userInfo, process.getuid?.()),
    invokedAs: describeInvocation({ script: process.argv[1], cwd: process.cwd() }),
    host: machineHost(process.execPath, process.getuid?.()),
    serving: handleSignals
  }
  const outcome = await runCli(argv, io)
  if (outcome.kind === 'exit') {
    process.exitCode = outcome.code
    return
  }
  // Under systemd's Type=notify: ready now that it listens and has said where. (The banner is
  // loaded by then: serving printed it.)
  const { listeningLine } = await import('./banner.js')
  await notifyReady(io.env, io.host.run, listeningLine(outcome.server.addresses), (line) => { process.stderr.write(`${line}\n`) })
}
