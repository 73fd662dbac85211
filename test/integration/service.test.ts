/**
 * The service as systemd would run it: the unit `tavern-server service` writes, and the generic
 * contrib/tavern-server.service, checked by systemd's own tools and started as their lines say.
 */
import { spawnSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { BIN, runToExit, spawnCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import {
  analyzeUnavailable, notifyReceiver, notifyUnavailable, parseUnit, sandboxUnavailable, spawnUnit,
  systemdWords, value, values
} from '../helpers/systemd.js'
import type { Unit } from '../helpers/systemd.js'

const PACKAGE_ROOT = dirname(dirname(BIN))
const CONTRIB = fileURLToPath(new URL('../../contrib/tavern-server.service', import.meta.url))
const noAnalyze = analyzeUnavailable()
const noSandbox = sandboxUnavailable()
const noNotify = notifyUnavailable()
const NOBODY = 65534

/** `systemd-analyze verify`: exit 0 and not one warning. */
function verify (t: Test, file: string, user = false): void {
  const runtime = mkdtempSync(join(tmpdir(), 'tvs-run-'))
  const result = spawnSync('systemd-analyze', [...user ? ['--user'] : [], 'verify', '--man=no', file], {
    encoding: 'utf8',
    // A user unit is checked against a user manager's paths.
    env: { ...process.env, XDG_RUNTIME_DIR: runtime }
  })
  rmSync(runtime, { recursive: true })
  t.equal(result.status, 0, `systemd-analyze verify ${file}`)
  t.equal(result.stderr, '', 'no warnings')
}

/** The exposure level `systemd-analyze security` gives the unit (0 best, 10 worst). */
function exposure (file: string): number {
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8' })
  const level = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout)
  if (level === null) throw new Error(`no exposure level in:\n${result.stdout}${result.stderr}`)
  return Number(level[1])
}

t.test('service --install --destdir writes a unit that systemd-analyze accepts and rates as well sandboxed', { skip: noAnalyze }, async (t) => {
  const top = t.testdir({ base: { 'config.yaml': 'port: 8123\n' }, root: {} })
  const [dir, root] = [join(top, 'base'), join(top, 'root')]
  const result = await runToExit(['service', '--install', '--destdir', root, '--run-as', 'tavern', '--listen'], { cwd: dir })
  t.equal(result.code, 0, result.err)
  const file = join(root, 'etc', 'systemd', 'system', 'tavern-server.service')
  t.match(result.out, `Wrote ${file} (tavern-server for ${dir}, running as tavern).\n`)
  verify(t, file)
  const level = exposure(file)
  t.ok(level <= 3.5, `exposure level ${level} (systemd's "OK" is below 4.0)`)

  const user = await runToExit(['service', '--install', '--user', '--destdir', root], { cwd: dir, env: { HOME: '/home/me' } })
  t.equal(user.code, 0, user.err)
  verify(t, join(root, 'home', 'me', '.config', 'systemd', 'user', 'tavern-server.service'), true)
})

t.test('contrib/tavern-server.service passes systemd-analyze, with the sandbox of the generated unit', { skip: noAnalyze }, async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'tavern-server.service')
  writeFileSync(file, contribFor(PACKAGE_ROOT))
  verify(t, file)
  const level = exposure(file)
  t.ok(level <= 3.5, `exposure level ${level}`)
  // --destdir: made for a system that runs systemd, whether or not this one does.
  const generated = parseUnit((await runToExit(['service', '--run-as', 'tavern', '--destdir', dir], { cwd: dir })).out)
  const contrib = parseUnit(readFileSync(CONTRIB, 'utf8'))
  for (const [key, line] of generated.get('Service') ?? []) {
    if (/^(Protect|Private|Restrict|NoNew|Lock|SystemCall|UMask|RemoveIPC|Capability|Restart|Type|NotifyAccess|ExecReload|SyslogIdentifier)/.test(key) && key !== 'PrivateTmp' && key !== 'ProtectHome') {
      t.same(values(contrib, 'Service', key), [line], `${key}= as in the generated unit`)
    }
  }
  for (const [key, line] of generated.get('Unit') ?? []) {
    if (key.startsWith('StartLimit') || key === 'After' || key === 'Wants') t.same(values(contrib, 'Unit', key), [line], `${key}= as in the generated unit`)
  }
})

/** The contrib unit with this machine's node and this package in ExecStart. */
function contribFor (packageRoot: string): string {
  return readFileSync(CONTRIB, 'utf8')
    .replace('ExecStart=/usr/bin/node /usr/lib/node_modules/tavern-server/', `ExecStart=${process.execPath} ${packageRoot}/`)
}

interface Started {
  out: () => string
  err: () => string
  /** Resolves when stdout has printed a line matching `pattern`. */
  waitFor: (pattern: RegExp) => Promise<void>
  port: number
  pid: number
  exited: Promise<number | null>
}

/** Spawns a unit's ExecStart the way systemd starts it, and waits for it to listen. */
async function startUnit (t: Test, unit: Unit, run: { user: string, group: string, workingDirectory: string, writable: string[], env: Record<string, string> }): Promise<Started> {
  const specifiers = { S: '/var/lib', L: '/var/log', t: '/run', d: '/run/credentials/tavern-server.service' }
  const command = systemdWords(value(unit, 'Service', 'ExecStart'), specifiers, true)
  const environment: Record<string, string> = {}
  for (const line of values(unit, 'Service', 'Environment')) {
    for (const word of systemdWords(line, specifiers)) {
      const eq = word.indexOf('=')
      environment[word.slice(0, eq)] = word.slice(eq + 1)
    }
  }
  const child = spawnUnit({ ...run, command, env: { ...environment, ...run.env } })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<number | null>((resolve) => { child.on('close', (code) => { resolve(code) }) })
  const waitFor = (pattern: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => { if (pattern.test(out)) resolve() }
    child.stdout?.on('data', check)
    check()
    void exited.then((code) => { reject(new Error(`exited with ${String(code)} before printing ${String(pattern)}\nstdout:\n${out}\nstderr:\n${err}`)) })
  })
  await waitFor(/Go to: http:\/\/\S+:\d+\/\n/)
  const port = Number(/Go to: http:\/\/\S+:(\d+)\//.exec(out)?.[1])
  return { out: () => out, err: () => err, waitFor, port, pid: child.pid as number, exited }
}

/** The journal's view: no colours, whatever the terminal. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/

t.test('the generated unit\'s ExecStart, as its user, in its sandbox, with a read-only package: serves, says READY=1 once listening, reloads, stops', { skip: noSandbox ?? noNotify }, async (t) => {
  // A base directory whose name needs every escape: a space, %, $ and quotes.
  const base = join(t.testdir({}), 'home tavern 100% $HOME "x"')
  mkdirSync(base)
  writeFileSync(join(base, 'config.yaml'), 'listen: true\nlistenAddress:\n  ipv4: 127.0.0.1\n')
  chownSync(base, NOBODY, NOBODY)
  const made = await runToExit(['service', '--run-as', 'nobody', '--port', '0', '--destdir', '/'], { cwd: base })
  t.equal(made.code, 0, made.err)
  const unit = parseUnit(made.out)
  t.equal(value(unit, 'Service', 'Type'), 'notify')
  const notify = await notifyReceiver()
  t.teardown(notify.close)
  const invocation = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
  const server = await startUnit(t, unit, {
    user: value(unit, 'Service', 'User'),
    group: 'nogroup',
    workingDirectory: value(unit, 'Service', 'WorkingDirectory').replace(/%%/g, '%'),
    writable: systemdWords(value(unit, 'Service', 'ReadWritePaths')),
    env: { HOME: '/nonexistent', NOTIFY_SOCKET: notify.socket, INVOCATION_ID: invocation, JOURNAL_STREAM: '8:4242' }
  })

  const ready = await notify.waitFor(/READY=1/)
  t.match(ready, `STATUS=tavern-server is listening on IPv4: 127.0.0.1:${server.port}`)
  t.equal((await request(`http://127.0.0.1:${server.port}/healthz`)).status, 200, 'listening when it says READY=1')
  t.equal((await request(`http://127.0.0.1:${server.port}/`)).status, 200)
  t.notMatch(server.out() + server.err(), ANSI, 'plain lines for the journal')

  // Written where the unit allows, owned by the service's user; everything else, the package
  // included, is read-only, as under ProtectSystem=strict.
  const probe = spawnUnit({ user: 'nobody', group: 'nogroup', workingDirectory: base, writable: [base], env: {}, command: ['/bin/sh', '-c', `touch ${JSON.stringify(join(PACKAGE_ROOT, 'probe'))} && touch ./probe`] })
  let probeErr = ''
  probe.stderr?.setEncoding('utf8').on('data', (chunk: string) => { probeErr += chunk })
  t.equal(await new Promise((resolve) => probe.on('close', resolve)), 1)
  t.match(probeErr, /Read-only file system/)
  t.equal(statSync(join(base, 'data')).uid, NOBODY)
  t.equal(statSync(join(base, 'access.log')).uid, NOBODY)
  t.match(readFileSync(join(base, 'access.log'), 'utf8'), 'reason=allowed')

  // ExecReload=/bin/kill -HUP $MAINPID
  t.equal(value(unit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID')
  process.kill(server.pid, 'SIGHUP')
  await server.waitFor(/Reload done\.\n/)
  t.equal((await request(`http://127.0.0.1:${server.port}/healthz`)).status, 200, 'still serving after a reload')

  process.kill(server.pid, 'SIGTERM')
  t.equal(await server.exited, 0)
  t.equal(notify.messages().filter((m) => m.includes('READY=1')).length, 1)
})

t.test('contrib/tavern-server.service\'s ExecStart, as a throwaway user, environment only: data in StateDirectory, log in LogsDirectory, nothing in the working directory', { skip: noSandbox }, async (t) => {
  const dir = t.testdir({ cwd: {}, state: {}, logs: {} })
  for (const folder of ['state', 'logs']) chownSync(join(dir, folder), NOBODY, NOBODY)
  const unit = parseUnit(contribFor(PACKAGE_ROOT))
  t.equal(value(unit, 'Service', 'DynamicUser'), 'yes')
  t.same(values(unit, 'Service', 'WorkingDirectory'), [], 'systemd then starts it in /')
  const server = await startUnit(t, unit, {
    user: 'nobody',
    group: 'nogroup',
    workingDirectory: join(dir, 'cwd'),
    writable: [join(dir, 'state'), join(dir, 'logs')],
    // What systemd adds for StateDirectory= and LogsDirectory=, and a setting from the EnvironmentFile.
    env: { STATE_DIRECTORY: join(dir, 'state'), LOGS_DIRECTORY: join(dir, 'logs'), TAVERN_PORT: '0', INVOCATION_ID: 'f'.repeat(32) }
  })
  t.equal((await request(`http://127.0.0.1:${server.port}/`)).status, 200)
  t.notMatch(server.out() + server.err(), /Created config\.yaml/)
  t.same(readdirSync(join(dir, 'cwd')), [], 'nothing written to the working directory')
  t.same(readdirSync(join(dir, 'state')), ['data'])
  t.same(readdirSync(join(dir, 'logs')), ['access.log'])
  process.kill(server.pid, 'SIGTERM')
  t.equal(await server.exited, 0)
})

t.test('under Type=notify the server sends READY=1 and its address once it listens', { skip: noNotify }, async (t) => {
  const notify = await notifyReceiver()
  t.teardown(notify.close)
  const cli = spawnCli(['--port', '0'], { cwd: t.testdir({}), env: { NOTIFY_SOCKET: notify.socket } })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const ready = await notify.waitFor(/READY=1/)
  const port = Number(/STATUS=tavern-server is listening on IPv4: 127\.0\.0\.1:(\d+)/.exec(ready)?.[1])
  t.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200)
  t.match(cli.out(), `Go to: http://127.0.0.1:${port}/`)
  t.equal(cli.err(), '')
})

t.test('a NOTIFY_SOCKET nobody listens on, or no systemd-notify: a warning, and the server serves on', async (t) => {
  const dir = t.testdir({})
  const cases: Array<{ env: Record<string, string>, warning: RegExp }> = [
    { env: { NOTIFY_SOCKET: join(dir, 'nobody-here') }, warning: /^systemd-notify --ready failed, so systemd is not told that the server is ready: / },
    { env: { NOTIFY_SOCKET: '/run/systemd/notify', PATH: dir }, warning: /^NOTIFY_SOCKET is set, but systemd-notify could not be run \(.*ENOENT\), so systemd is not told/ }
  ]
  for (const { env, warning } of cases) {
    const cli = spawnCli(['--port', '0'], { cwd: dir, env })
    t.teardown(async () => { cli.child.kill(); await cli.exited })
    await cli.waitForErr(/systemd is not told/)
    t.match(cli.err(), warning)
    const port = Number(/Go to: http:\/\/127\.0\.0\.1:(\d+)\//.exec(cli.out())?.[1])
    t.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200)
    cli.child.kill('SIGTERM')
    t.equal(await cli.exited, 0)
  }
})

t.test('a unit that cannot be written for lack of permission: the error names the file and says how to get it', async (t) => {
  // /etc/systemd/system exists, as on every systemd machine; writing in it is refused.
  const dir = t.testdir({ base: {}, root: { etc: { systemd: { system: {} } } } })
  const root = join(dir, 'root')
  const readOnly = ['unshare', '--mount', 'bash', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', root]
  const probe = spawnSync(readOnly[0] as string, [...readOnly.slice(1), 'true'])
  if (probe.status !== 0) {
    t.comment('skipped: mount namespaces are not permitted here')
    return
  }
  const result = await runToExit(['service', '--install', '--destdir', root, '--run-as', 'tavern'], { cwd: join(dir, 'base'), prefix: readOnly })
  t.equal(result.code, 1)
  t.match(result.err, /Cannot write \S+tavern-server\.service: EROFS: read-only file system, .* Run it as root \(sudo tavern-server service --install\), or add --user for a service of your own\./)
})

