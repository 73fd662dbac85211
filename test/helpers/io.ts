/**
 * An in-process stand-in for the process: captured stdout/stderr, an environment and a folder.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ContainerProbe } from '../../src/access/docker-hosts.js'
import type { Io, Stdin } from '../../src/cli/serve.js'
import type { Interfaces } from '../../src/server/listen-plan.js'

export interface CapturedIo extends Io {
  out: () => string
  err: () => string
}

export const LOOPBACK_ONLY: Interfaces = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 }
  ]
}

export const HOME_LAN: Interfaces = {
  ...LOOPBACK_ONLY,
  wlan0: [
    { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.1.20/24' },
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    { address: 'fd00::20', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::20/64', scopeid: 0 }
  ]
}

/** A machine that is not a container: no Docker host lookups. */
export const NOT_IN_CONTAINER: ContainerProbe = {
  inContainer: () => false,
  resolve: async () => [],
  defaultGateway: () => undefined
}

export function captureIo (cwd: string, env: Record<string, string> = {}, interfaces: Interfaces = LOOPBACK_ONLY): CapturedIo {
  let out = ''
  let err = ''
  return {
    stdin: Readable.from([]),
    stdout: { write: (text: string) => { out += text } },
    stderr: { write: (text: string) => { err += text } },
    env,
    cwd,
    pid: 4242,
    isRunning: () => false,
    interfaces: () => interfaces,
    hostname: () => 'tavern-test',
    containerProbe: NOT_IN_CONTAINER,
    user: () => 'tester (uid 1000)',
    host: {
      execPath: process.execPath,
      uid: 1000,
      userName: 'tester',
      platform: 'linux',
      // A system unit installed in a test lands here, never in the real /etc.
      root: join(cwd, 'machine-root'),
      systemd: () => true,
      run: async () => ({ code: 0, output: '' })
    },
    out: () => out,
    err: () => err
  }
}

/** A terminal: raw mode switches, and what is typed arrives as data while someone listens. */
export function terminal (keys: string[]): Stdin & { raw: boolean[] } {
  const pump = (): void => {
    if (keys.length === 0 || tty.listenerCount('data') === 0) return
    tty.emit('data', keys.shift())
    setImmediate(pump)
  }
  const tty = Object.assign(new EventEmitter(), {
    isTTY: true,
    raw: [] as boolean[],
    setRawMode (on: boolean) { tty.raw.push(on) },
    setEncoding () { return tty },
    pause () { return tty },
    resume () {
      setImmediate(pump)
      return tty
    }
  })
  return tty as unknown as Stdin & { raw: boolean[] }
}

