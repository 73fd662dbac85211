import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { README, SCRIPT } from '../../src/cli/commands/service.js'
import type { Host, ProgramResult } from '../../src/cli/host.js'
import { runCli } from '../../src/cli/run.js'
import { captureIo } from '../helpers/io.js'
import type { CapturedIo } from '../helpers/io.js'
import { parseUnit, systemdWords, value, values } from '../helpers/systemd.js'

interface Call { file: string, args: readonly string[] }

/** A machine with systemd where programs answer as told, and every run is recorded. */
function machine (dir: string, env: Record<string, string> = {}, host: Partial<Host> = {}, answer: (call: Call) => ProgramResult = () => ({ code: 0, output: '' })): CapturedIo & { calls: Call[] } {
  const io = captureIo(dir, env)
  const calls: Call[] = []
  return Object.assign(io, {
    calls,
    host: {
      ...io.host,
      execPath: '/usr/bin/node',
      ...host,
      run: async (file: string, args: readonly string[]) => {
        const call = { file, args }
        calls.push(call)
        return answer(call)
      }
    }
  })
}

t.test('prints a unit for this installation: node, package, base directory, flags, user', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 8123\n' })
  const io = machine(dir)
  t.same(await runCli(['service', '--listen', '--whitelist', '--enableIPv6', 'auto', '--dataRoot', '/srv/tavern-data'], io), { kind: 'exit', code: 0 })
  const unit = parseUnit(io.out())
  t.equal(value(unit, 'Service', 'ExecStart'), `/usr/bin/node ${SCRIPT} --listen --enableIPv6 auto --whitelist --dataRoot /srv/tavern-data`)
  t.equal(value(unit, 'Service', 'WorkingDirectory'), dir)
  t.equal(value(unit, 'Service', 'User'), 'tester', 'the user who ran the command')
  t.equal(value(unit, 'Service', 'Type'), 'notify')
  t.equal(value(unit, 'Service', 'NotifyAccess'), 'all')
  t.equal(value(unit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID')
  t.equal(value(unit, 'Service', 'Restart'), 'on-failure')
  t.equal(value(unit, 'Service', 'RestartPreventExitStatus'), '2')
  t.equal(value(unit, 'Unit', 'StartLimitBurst'), '5')
  t.equal(value(unit, 'Service', 'ProtectSystem'), 'strict')
  t.equal(value(unit, 'Service', 'ReadWritePaths'), `${dir} /srv/tavern-data`, 'the base directory and the data root, nothing else')
  // The package and the test's folder are in the checkout, which may itself be in /tmp: then
  // PrivateTmp= must stay off, or the service could not see its own files (the next test, and
  // test/service/unit.test.ts with made-up paths, check both cases wherever the checkout is).
  t.equal(value(unit, 'Service', 'PrivateTmp'), [dir, SCRIPT].some((p) => /^\/(var\/)?tmp\//.test(p)) ? 'no' : 'yes')
  t.equal(value(unit, 'Service', 'NoNewPrivileges'), 'yes')
  t.equal(value(unit, 'Service', 'CapabilityBoundingSet'), '', 'no capabilities for port 8123')
  t.same(values(unit, 'Service', 'AmbientCapabilities'), [])
  t.equal(value(unit, 'Unit', 'Documentation'), pathToFileURL(README).href)
  t.equal(value(unit, 'Install', 'WantedBy'), 'multi-user.target')
  t.same(io.calls, [{ file: 'systemd-notify', args: ['--version'] }])
  t.notMatch(io.err(), /Created|Not carried/, 'config.yaml existed, and no TAVERN_ variable is set')
})

t.test('a port below 1024 gets CAP_NET_BIND_SERVICE and nothing more; Type=exec without systemd-notify', async (t) => {
  const dir = t.testdir({})
  const io = machine(dir, {}, {}, () => ({ code: null, output: 'spawn systemd-notify ENOENT' }))
  t.same(await runCli(['service', '--port', '443'], io), { kind: 'exit', code: 0 })
  const unit = parseUnit(io.out())
  t.equal(value(unit, 'Service', 'AmbientCapabilities'), 'CAP_NET_BIND_SERVICE')
  t.equal(value(unit, 'Service', 'CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE')
  t.equal(value(unit, 'Service', 'Type'), 'exec')
  t.same(values(unit, 'Service', 'NotifyAccess'), [])
  t.equal(io.err(), `Created config.yaml with default values at ${join(dir, 'config.yaml')}\n`, 'notes go to stderr: stdout is the unit')
})

t.test('paths with spaces, % and $ are escaped so that systemd reads them back unchanged', async (t) => {
  const dir = join(t.testdir({}), 'my tavern 100% $HOME "x"')
  mkdirSync(dir)
  const io = machine(dir, {}, { execPath: '/opt/node 20/bin/node' })
  t.same(await runCli(['service', '--configPath', 'config.yaml', '--certPath', 'a;b/cert.pem'], io), { kind: 'exit', code: 1 }, '--configPath must exist')
  writeFileSync(join(dir, 'config.yaml'), '{}\n')
  const ok = machine(dir, {}, { execPath: '/opt/node 20/bin/node' })
  t.same(await runCli(['service', '--configPath', 'config.yaml', '--certPath', ';'], ok), { kind: 'exit', code: 0 })
  const unit = parseUnit(ok.out())
  t.same(systemdWords(value(unit, 'Service', 'ExecStart'), {}, true),
    ['/opt/node 20/bin/node', SCRIPT, '--certPath', join(dir, ';'), '--configPath', join(dir, 'config.yaml')])
  t.equal(value(unit, 'Service', 'WorkingDirectory').replace(/%%/g, '%'), dir, 'WorkingDirectory takes the rest of the line: only % is escaped')
  t.same(systemdWords(value(unit, 'Service', 'ReadWritePaths')), [dir])
  t.match(value(unit, 'Unit', 'Description'), 'my tavern 100%% $HOME')
})

t.test('a base directory in a home folder keeps homes read-only instead of hidden; in /tmp PrivateTmp is off', async (t) => {
  for (const [home, protect] of [['/home', 'read-only'], ['/usr', 'yes']] as const) {
    const io = machine(t.testdir({}), {}, { execPath: `${home}/me/.nvm/node` })
    t.same(await runCli(['service'], io), { kind: 'exit', code: 0 })
    t.equal(value(parseUnit(io.out()), 'Service', 'ProtectHome'), protect, home)
  }
  const io = machine(t.testdir({}))
  t.same(await runCli(['service', '--dataRoot', '/tmp/tavern-data'], io), { kind: 'exit', code: 0 })
  t.equal(value(parseUnit(io.out()), 'Service', 'PrivateTmp'), 'no')
})

t.test('the access log folder is writable when it is outside the base directory, not when the log is off', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'logging:\n  accessLogPath: /var/log/tavern/access.log\n' })
  const io = machine(dir)
  t.same(await runCli(['service'], io), { kind: 'exit', code: 0 })
  t.equal(value(parseUnit(io.out()), 'Service', 'ReadWritePaths'), `${dir} /var/log/tavern`)
  const off = machine(dir, { TAVERN_LOGGING_ENABLEACCESSLOG: 'false' })
  writeFileSync(join(dir, 'config.yaml'), 'logging:\n  enableAccessLog: false\n  accessLogPath: /var/log/tavern/access.log\n')
  t.same(await runCli(['service'], off), { kind: 'exit', code: 0 })
  t.equal(value(parseUnit(off.out()), 'Service', 'ReadWritePaths'), dir)
  t.match(off.err(), 'Not carried into the service, which does not see this shell\'s environment: TAVERN_LOGGING_ENABLEACCESSLOG.')
})

t.test('the user: --run-as, else the user who called sudo, else the owner of the base directory; never root', async (t) => {
  const dir = t.testdir({})
  const user = async (args: string[], env: Record<string, string>, uid: number): Promise<string> => {
    const io = machine(dir, env, { uid, userName: uid === 0 ? 'root' : 'tester' })
    t.same(await runCli(['service', ...args], io), { kind: 'exit', code: 0 }, io.err())
    return value(parseUnit(io.out()), 'Service', 'User')
  }
  t.equal(await user(['--run-as', 'tavern'], {}, 1000), 'tavern')
  t.equal(await user([], { SUDO_USER: 'me' }, 0), 'me')
  const uid = process.getuid?.()
  if (uid === 0) {
    chownSync(dir, 65534, 65534)
    t.equal(await user([], { SUDO_USER: 'root' }, 0), 'nobody', 'the owner, by name')
    chownSync(dir, 54321, 54321)
    t.equal(await user([], {}, 0), '54321', 'an owner without a name: the number')
    chownSync(dir, 0, 0)
  }
  t.equal(statSync(dir).uid === 0, uid === 0)
  if (uid === 0) {
    const io = machine(dir, {}, { uid: 0, userName: 'root' })
    t.same(await runCli(['service'], io), { kind: 'exit', code: 1 })
    t.match(io.err(), /^The service would run as root: .* Name the user it should run as with --run-as <user>/)
    t.equal(io.out(), '')
  }
  for (const root of ['root', '0']) {
    const io = machine(dir)
    t.same(await runCli(['service', '--run-as', root], io), { kind: 'exit', code: 1 })
    t.match(io.err(), /^--run-as root: tavern-server service does not make a service that runs as root/)
  }
})

t.test('a user unit: no User=, no namespaces, default.target; --run-as with it is refused', async (t) => {
  const dir = t.testdir({})
  const io = machine(dir)
  t.same(await runCli(['service', '--user', '--port', '80'], io), { kind: 'exit', code: 0 })
  const unit = parseUnit(io.out())
  t.same(values(unit, 'Service', 'User'), [])
  t.same(values(unit, 'Service', 'ProtectSystem'), [])
  t.same(values(unit, 'Service', 'AmbientCapabilities'), [])
  t.equal(value(unit, 'Service', 'NoNewPrivileges'), 'yes')
  t.equal(value(unit, 'Install', 'WantedBy'), 'default.target')
  t.match(io.err(), 'Port 80 is below 1024, which a user service cannot bind.')
  const both = machine(dir)
  t.same(await runCli(['service', '--user', '--run-as', 'me'], both), { kind: 'exit', code: 1 })
  t.match(both.err(), /^--run-as and --user/)
})

t.test('--keyPassphrase is refused: the unit file is readable by everyone', async (t) => {
  const io = machine(t.testdir({}))
  t.same(await runCli(['service', '--keyPassphrase', 'secret'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), /^--keyPassphrase would be written into the unit file, which every user can read\. .*TAVERN_SSL_KEYPASSPHRASE/)
  t.equal(io.out(), '')
})

t.test('--name must be a unit name, --run-as a user name or id', async (t) => {
  const dir = t.testdir({})
  for (const bad of ['-x', 'a b', 'a/b', 'x'.repeat(201)]) {
    const io = machine(dir)
    t.same(await runCli(['service', '--name', bad], io), { kind: 'exit', code: 2 }, bad)
    t.match(io.err(), /Expected a unit name/)
  }
  for (const bad of ['a b', '1abc', '-u', 'x'.repeat(33), 'me\n']) {
    const io = machine(dir)
    t.same(await runCli(['service', '--run-as', bad], io), { kind: 'exit', code: 2 }, JSON.stringify(bad))
    t.match(io.err(), /Expected a user name/)
  }
  const numeric = machine(dir)
  t.same(await runCli(['service', '--run-as', '1001'], numeric), { kind: 'exit', code: 0 })
  t.equal(value(parseUnit(numeric.out()), 'Service', 'User'), '1001')
})

t.test('--install writes the unit, runs systemctl daemon-reload and says how to enable and start it', async (t) => {
  const top = t.testdir({ base: {}, root: {} })
  const [dir, root] = [join(top, 'base'), join(top, 'root')]
  // The machine's file system starts in a folder of the test's: the real /etc stays untouched.
  const io = machine(dir, { SUDO_USER: 'me' }, { uid: 0, userName: 'root', root })
  t.same(await runCli(['service', '--install', '--listen'], io), { kind: 'exit', code: 0 })
  const file = join(root, 'etc', 'systemd', 'system', 'tavern-server.service')
  t.equal(statSync(file).mode & 0o777, 0o644)
  const unit = parseUnit(readFileSync(file, 'utf8'))
  t.equal(value(unit, 'Service', 'User'), 'me')
  t.match(value(unit, 'Service', 'ExecStart'), / --listen$/)
  t.same(io.calls.map((c) => [c.file, ...c.args]), [['systemd-notify', '--version'], ['systemctl', 'daemon-reload']])
  t.equal(io.out(), [
    `Wrote ${file} (tavern-server for ${dir}, running as me).`,
    'systemd has read it (systemctl daemon-reload). To start it at every boot, and now:',
    '  sudo systemctl enable tavern-server.service',
    '  sudo systemctl start tavern-server.service',
    'Its output: sudo journalctl -u tavern-server.service -f',
    ''
  ].join('\n'))
})

t.test('--destdir writes below another root and leaves systemd alone', async (t) => {
  const top = t.testdir({ base: {}, root: {} })
  const [dir, root] = [join(top, 'base'), join(top, 'root')]
  const io = machine(dir, {}, { systemd: () => false })
  const file = join(root, 'etc', 'systemd', 'system', 'tavern.service')
  t.same(await runCli(['service', '--install', '--name', 'tavern.service', '--destdir', root], io), { kind: 'exit', code: 0 }, io.err())
  t.equal(value(parseUnit(readFileSync(file, 'utf8')), 'Service', 'User'), 'tester')
  t.same(io.calls.map((c) => c.file), ['systemd-notify'], 'no systemctl under --destdir')
  t.equal(io.out(), [
    `Wrote ${file} (tavern-server for ${dir}, running as tester).`,
    `Not reloading systemd: the unit was written below ${root}. On the system that runs from it:`,
    '  systemctl daemon-reload',
    '  systemctl enable tavern.service',
    '  systemctl start tavern.service',
    ''
  ].join('\n'))
})

t.test('a user unit goes to the user\'s systemd folder; unchanged is said; a failed reload names the file', async (t) => {
  const top = t.testdir({ base: {}, home: {}, xdg: {} })
  const [dir, home, xdg] = [join(top, 'base'), join(top, 'home'), join(top, 'xdg')]
  const user = machine(dir, { HOME: home })
  t.same(await runCli(['service', '--install', '--user'], user), { kind: 'exit', code: 0 })
  const file = join(home, '.config', 'systemd', 'user', 'tavern-server.service')
  t.same(user.calls.map((c) => [c.file, ...c.args]), [['systemd-notify', '--version'], ['systemctl', '--user', 'daemon-reload']])
  t.equal(user.out(), [
    `Wrote ${file} (tavern-server for ${dir}).`,
    'systemd has read it (systemctl --user daemon-reload). To start it at every login, and now:',
    '  systemctl --user enable tavern-server.service',
    '  systemctl --user start tavern-server.service',
    'To start it at boot, before you log in: loginctl enable-linger tester',
    'Its output: journalctl --user -u tavern-server.service -f',
    ''
  ].join('\n'))

  const again = machine(dir, { HOME: home, XDG_CONFIG_HOME: xdg })
  t.same(await runCli(['service', '--install', '--user'], again), { kind: 'exit', code: 0 })
  t.match(again.out(), `Wrote ${join(xdg, 'systemd', 'user', 'tavern-server.service')}`)
  const same = machine(dir, { HOME: home, XDG_CONFIG_HOME: xdg }, { userName: undefined })
  t.same(await runCli(['service', '--install', '--user'], same), { kind: 'exit', code: 0 })
  t.match(same.out(), /^Unchanged: /)
  t.match(same.out(), 'loginctl enable-linger $USER')

  const failing = machine(dir, { HOME: home }, {}, (call) => call.file === 'systemctl' ? { code: 1, output: 'Failed to connect to bus: No medium found' } : { code: 0, output: '' })
  t.same(await runCli(['service', '--install', '--user', '--port', '9000', '--force'], failing), { kind: 'exit', code: 1 })
  t.equal(failing.err(), `Wrote ${file}, but \`systemctl --user daemon-reload\` failed: Failed to connect to bus: No medium found. Run it yourself once systemd can be reached, then enable and start the service.\n`)
  const silent = machine(dir, { HOME: home }, {}, (call) => call.file === 'systemctl' ? { code: null, output: '' } : { code: 0, output: '' })
  t.same(await runCli(['service', '--install', '--user', '--port', '9001', '--force'], silent), { kind: 'exit', code: 1 })
  t.match(silent.err(), '`systemctl --user daemon-reload` failed: exit code null.')
})

t.test('an existing unit with other content is kept unless --force', async (t) => {
  const top = t.testdir({ base: {}, root: { etc: { systemd: { system: { 'tavern-server.service': '# mine\n' } } } } })
  const [dir, root] = [join(top, 'base'), join(top, 'root')]
  const file = join(root, 'etc', 'systemd', 'system', 'tavern-server.service')
  const io = machine(dir)
  t.same(await runCli(['service', '--install', '--destdir', root], io), { kind: 'exit', code: 1 })
  t.match(io.err(), `\n${file} already exists with other content. Add --force to replace it, or choose another unit name with --name.\n`)
  t.equal(readFileSync(file, 'utf8'), '# mine\n')
  const forced = machine(dir)
  t.same(await runCli(['service', '--install', '--destdir', root, '--force'], forced), { kind: 'exit', code: 0 })
  t.match(readFileSync(file, 'utf8'), /^# tavern-server for /)
})

t.test('a unit that cannot be written says why', async (t) => {
  const dir = t.testdir({ blocker: 'a file where a folder should be' })
  const io = machine(dir)
  t.same(await runCli(['service', '--install', '--destdir', join(dir, 'blocker')], io), { kind: 'exit', code: 1 })
  t.match(io.err(), new RegExp(`^Cannot write ${join(dir, 'blocker')}/etc/systemd/system/tavern-server\\.service: ENOTDIR`, 'm'))
  t.notMatch(io.err(), 'sudo', 'not a permission problem: no advice about root')
})

t.test('without systemd: says so, points at the README section, and gives this installation\'s lines', async (t) => {
  const dir = t.testdir({})
  const cases = [
    ['linux', /\nFor this installation\. Run crontab -e and add this line:\n@reboot cd \S+ && exec \/usr\/bin\/node \S+tavern-server\.js --port 9000 >> tavern-server\.log 2>&1$/],
    ['android', /Termux:Boot .*\n#!\/data\/data\/com\.termux\/files\/usr\/bin\/sh\ntermux-wake-lock\ncd /],
    ['win32', /PowerShell .*\n\$action = New-ScheduledTaskAction -Execute '\/usr\/bin\/node' -Argument '\S+tavern-server\.js --port 9000' -WorkingDirectory '/]
  ] as const
  for (const [platform, lines] of cases) {
    const io = machine(dir, {}, { platform, systemd: () => false })
    t.same(await runCli(['service', '--port', '9000'], io), { kind: 'exit', code: 1 }, platform)
    t.match(io.err(), `This computer does not run systemd, so tavern-server service cannot make a service here. To start tavern-server by itself after a reboot without systemd (a crontab @reboot line, Termux:Boot on Android, the Windows Task Scheduler), see "Start at boot without systemd" in ${README}.`)
    t.match(io.err().trimEnd(), lines)
    t.equal(io.out(), '')
  }
  t.same(await import('node:fs').then((fs) => fs.readdirSync(dir)), [], 'nothing written: not even config.yaml')
})

t.test('flags given as false, --debug, HTTPS files and a static folder are carried and kept readable', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'ssl:\n  enabled: true\n  certPath: /home/me/certs/cert.pem\n  keyPath: /home/me/certs/key.pem\napp:\n  root: ./site\n', site: {} })
  const io = machine(dir, {}, { userName: undefined, uid: 1234 })
  t.same(await runCli(['service', '--listen=false', '--no-whitelist', '--debug'], io), { kind: 'exit', code: 0 })
  const unit = parseUnit(io.out())
  t.equal(value(unit, 'Service', 'ExecStart'), `/usr/bin/node ${SCRIPT} --listen=false --whitelist=false --debug`)
  t.equal(value(unit, 'Service', 'User'), '1234', 'a user id without a name')
  t.equal(value(unit, 'Service', 'ProtectHome'), 'read-only', 'the certificates are in a home folder')
})

t.test('a relative XDG_CONFIG_HOME is ignored, as the XDG specification says', async (t) => {
  const top = t.testdir({ base: {}, home: {}, root: {} })
  const [dir, home, root] = [join(top, 'base'), join(top, 'home'), join(top, 'root')]
  const io = machine(dir, { HOME: home, XDG_CONFIG_HOME: 'relative/config' })
  t.same(await runCli(['service', '--install', '--user'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), `Wrote ${join(home, '.config', 'systemd', 'user', 'tavern-server.service')}`)
  const noHome = machine(dir, {})
  t.same(await runCli(['service', '--install', '--user', '--destdir', root], noHome), { kind: 'exit', code: 0 })
  t.match(noHome.out(), `Wrote ${join(root, homedir(), '.config', 'systemd', 'user', 'tavern-server.service')}`, 'no HOME: the account\'s home')
})

t.test('a failed system reload names systemctl without --user', async (t) => {
  const dir = t.testdir({})
  const io = machine(dir, {}, {}, (call) => call.file === 'systemctl' ? { code: 1, output: 'System has not been booted with systemd' } : { code: 0, output: '' })
  t.same(await runCli(['service', '--install'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), '`systemctl daemon-reload` failed: System has not been booted with systemd.')
})

t.test('under sudo, a config.yaml made on first start belongs to the user who called sudo', { skip: process.getuid?.() !== 0 && 'changing a file\'s owner needs root' }, async (t) => {
  const top = t.testdir({ made: {}, kept: { 'config.yaml': 'port: 8123\n' }, plain: {} })
  const sudo = { SUDO_USER: 'nobody', SUDO_UID: '65534', SUDO_GID: '65534' }
  t.same(await runCli(['service'], machine(join(top, 'made'), sudo, { uid: 0 })), { kind: 'exit', code: 0 })
  t.equal(statSync(join(top, 'made', 'config.yaml')).uid, 65534)
  t.same(await runCli(['service'], machine(join(top, 'kept'), sudo, { uid: 0 })), { kind: 'exit', code: 0 })
  t.equal(statSync(join(top, 'kept', 'config.yaml')).uid, 0, 'an existing file keeps its owner')
  t.same(await runCli(['service', '--run-as', 'tavern'], machine(join(top, 'plain'), { SUDO_UID: '', SUDO_GID: 'x' }, { uid: 0 })), { kind: 'exit', code: 0 })
  t.equal(statSync(join(top, 'plain', 'config.yaml')).uid, 0, 'not under sudo: root made it, root has it')
})
