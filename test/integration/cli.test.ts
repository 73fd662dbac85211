/**
 * The real command, spawned in a temporary base directory, over real sockets.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Agent } from 'node:http'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_CONFIG_FILE } from '../../src/config/load.js'
import { runToExit, SERVER_JS, startCli, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import { createNetns, netnsUnavailable, nsGet } from '../helpers/netns.js'

const noNetns = netnsUnavailable()

t.test('first start in an empty folder: defaults, 127.0.0.1:8000, config.yaml with comments', { skip: noNetns }, async (t) => {
  // Port 8000 is always free inside a fresh network namespace.
  const dir = t.testdir({})
  const ns = createNetns(t.teardown)
  // As a user starts it: no environment variable set (spawnCli's TAVERN_WHITELISTDOCKERHOSTS unset).
  const cli = await startCli([], { cwd: dir, prefix: ns.prefix, env: { TAVERN_WHITELISTDOCKERHOSTS: '' } })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal(cli.out(), [
    `Created config.yaml with default values at ${join(dir, 'config.yaml')}`,
    `Whitelist: 2 entries from the whitelist key in ${join(dir, 'config.yaml')}.`,
    'tavern-server is listening on IPv4: 127.0.0.1:8000',
    `Only this computer can connect (listen is false). To connect from a phone or another computer, set listen: true in ${join(dir, 'config.yaml')}, or start with --listen.`,
    'Exposure: this computer only (127.0.0.1:8000); plain HTTP; IP whitelist (2 entries), Host check; other devices cannot connect (listen is false).',
    'Go to: http://127.0.0.1:8000/',
    ''
  ].join('\n'))
  t.equal(readFileSync(join(dir, 'config.yaml'), 'utf8'), readFileSync(DEFAULT_CONFIG_FILE, 'utf8'))
  t.equal(nsGet(ns, 'http://127.0.0.1:8000/healthz').status, 200)
  t.match(ns.run('ss', '-ltnH'), /127\.0\.0\.1:8000/)
  t.notMatch(ns.run('ss', '-ltnH'), /0\.0\.0\.0:8000|\[::\]:8000/, 'loopback only')
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
})

t.test('--listen binds every interface; with IPv6 on it is listed first', { skip: noNetns }, async (t) => {
  const ns = createNetns(t.teardown)
  const cli = await startCli(['--listen', '--enableIPv6'], { cwd: t.testdir({}), prefix: ns.prefix })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(cli.out(), 'tavern-server is listening on IPv6: [::]:8000 IPv4: 0.0.0.0:8000\n')
  t.match(ns.run('ss', '-ltnH'), /0\.0\.0\.0:8000/)
  t.match(ns.run('ss', '-ltnH'), /\[::\]:8000/)
  t.equal(nsGet(ns, 'http://[::1]:8000/healthz').status, 200)
})

t.test('listenAddress.ipv6 works with and without brackets; SIGTERM and SIGINT stop cleanly with exit 0, even with an idle keep-alive connection', async (t) => {
  for (const [address, signal] of [['::1', 'SIGTERM'], ['[::1]', 'SIGINT']] as const) {
    const cli = await startCli(['--listen', '--enableIPv4=false', '--enableIPv6', '--listenAddressIPv6', address, '--port', '0'], { cwd: t.testdir({}) })
    t.match(cli.out(), new RegExp(`tavern-server is listening on IPv6: \\[::1\\]:${cli.port}\n`), address)
    const agent = new Agent({ keepAlive: true })
    t.equal((await request(`http://[::1]:${cli.port}/healthz`, { agent })).status, 200)
    cli.child.kill(signal)
    t.equal(await cli.exited, 0, signal)
    t.match(cli.out(), `${signal} received: finishing requests in progress, then stopping.`)
    agent.destroy()
  }
})

t.test('an invalid listen address is an error, never every interface', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: true\nlistenAddress:\n  ipv4: 192.168.1\n' })
  const result = await runToExit([], { cwd: dir })
  t.equal(result.code, 1)
  t.match(result.err, `${join(dir, 'config.yaml')}:3: listenAddress.ipv4: got "192.168.1"; expected an IPv4 address`)
  t.equal(result.out, '')
  const flag = await runToExit(['--listen', '--listenAddressIPv6', '[::1'], { cwd: dir })
  t.equal(flag.code, 2)
  t.match(flag.err, /--listenAddressIPv6/)
})

t.test('the security gate refuses --listen with a whitelist that admits everyone', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 0.0.0.0/0\n' })
  const result = await runToExit(['--listen', '--listenAddressIPv4', '127.0.0.1', '--port', '0'], { cwd: dir })
  t.equal(result.code, 1)
  t.match(result.err, /^Refusing to listen on the network with no access control/)
  t.match(result.err, /securityOverride/)
  t.notMatch(result.err, /\n\s+at /)
  const empty = await runToExit(['--listen', '--no-whitelist', '--basicAuthMode', '--listenAddressIPv4', '127.0.0.1', '--port', '0'], { cwd: dir })
  t.equal(empty.code, 1)
  t.match(empty.err, /basicAuthMode is true but basicAuthUser\.username is empty/)
})

t.test('a port in use is one line and exit 1, no stack trace', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  const result = await runToExit(['--port', String(port)], { cwd: t.testdir({ 'config.yaml': 'port: 1\n' }) })
  t.equal(result.code, 1)
  t.equal(result.err, `Port ${port} is already in use (another tavern-server may be running). Stop it or choose another port with --port.\n`)
})

t.test('a signal sent the moment the address is printed is handled, never Node\'s default (the end of the process)', async (t) => {
  // Whoever reads "Go to:" may signal at once (a service manager's reload, a script's stop). The
  // handlers used to go in a few steps after the banner, and about one such signal in four killed
  // the server outright; a dozen starts make that visible. Without the test runner's recording,
  // whose own signal handlers would hide it. Four servers start at once, each in a folder of its
  // own, and each gets its signal the moment it prints its address, as when they start alone
  // (starting beside others, a server only takes longer between its banner and its handlers).
  const starts = Array.from({ length: 12 }, (_, i) => `start-${i + 1}`)
  const dir = t.testdir(Object.fromEntries(starts.map((name) => [name, {}])))
  const once = async (i: number): Promise<void> => {
    const signal = i % 2 === 0 ? 'SIGHUP' : 'SIGTERM'
    const cli = await startCli(['--port', '0'], { cwd: join(dir, starts[i] as string), prefix: WITHOUT_TEST_RUNNER })
    cli.child.kill(signal)
    if (signal === 'SIGHUP') {
      await cli.waitFor(/SIGHUP received: reloading\.\n/)
      t.equal((await request(`${cli.url}healthz`)).status, 200, `start ${i + 1}: SIGHUP, still serving`)
      cli.child.kill('SIGTERM')
    }
    t.equal(await cli.exited, 0, `start ${i + 1}: ${signal}, then a clean stop`)
  }
  for (let i = 0; i < starts.length; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].map(once))
})

t.test('bad input at start-up: each a clear message, exit code and no stack trace', async (t) => {
  const cases: Array<{ name: string, files?: Record<string, string>, args?: string[], env?: Record<string, string>, code: number, err: RegExp }> = [
    { name: 'YAML syntax error', files: { 'config.yaml': 'listen: true\nport: [1\n' }, code: 1, err: /config\.yaml:3:1: YAML syntax error/ },
    { name: 'wrong types, all at once', files: { 'config.yaml': 'port: "abc"\nlisten: maybe\nwhitelist: 5\n' }, args: [], code: 1, err: /3 problems:\n.*:1: port.*\n.*:2: listen.*\n.*:3: whitelist/ },
    { name: '--port abc', args: ['--port', 'abc'], code: 2, err: /option '--port <number>' argument 'abc' is invalid/ },
    { name: '--port 70000', args: ['--port', '70000'], code: 2, err: /--port <number>.*70000/ },
    { name: 'bad boolean in the environment', env: { TAVERN_LISTEN: 'maybe' }, code: 1, err: /environment variable TAVERN_LISTEN: got "maybe"/ },
    { name: 'missing --configPath', args: ['--configPath', 'nowhere.yaml'], code: 1, err: /The config file .*nowhere\.yaml does not exist/ },
    { name: 'unknown flag', args: ['--lisen'], code: 2, err: /unknown option '--lisen'/ }
  ]
  // All at once, each in a folder of its own: they are separate runs of the command.
  const dir = t.testdir(Object.fromEntries(cases.map((c, i) => [`case-${i}`, c.files ?? {}])))
  const results = await Promise.all(cases.map((c, i) => runToExit(c.args ?? ['--port', '0'], { cwd: join(dir, `case-${i}`), ...(c.env === undefined ? {} : { env: c.env }) })))
  cases.forEach((c, i) => {
    const result = results[i] as Awaited<ReturnType<typeof runToExit>>
    t.equal(result.code, c.code, `${c.name}: exit ${c.code}`)
    t.match(result.err, c.err, `${c.name}: message`)
    t.notMatch(result.err, /\n\s+at /, `${c.name}: no stack trace`)
  })
})

t.test('node server.js works from the checkout', async (t) => {
  const result = await runToExit(['--version'], { cwd: t.testdir({}), script: SERVER_JS })
  t.equal(result.code, 0)
  t.match(result.out, /^\d+\.\d+\.\d+\n$/)
})

t.test('one server for what needs no start of its own', async (t) => {
  // An unknown key, settings from every source, no whitelist with securityOverride, and a lock
  // left by a crashed server: each is checked on this one server, which a second Ctrl-C ends.
  const dead = spawnSync('true').pid as number
  const dir = t.testdir({ 'config.yaml': 'whitelistmode: false\nport: 1\nprotocol:\n  ipv6: true\n', data: { 'tavern-server.lock': `${dead}\n` } })
  const cli = await startCli(['--port', '0', '--listen', '--no-whitelist', '--securityOverride', '--listenAddressIPv4', '127.0.0.1'], { cwd: dir, env: { TAVERN_PORT: '2', SILLYTAVERN_PROTOCOL_IPV6: 'false' } })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('an unknown key is a warning with a suggestion, and the server starts', async (t) => {
    t.match(cli.err(), /unknown key whitelistmode; did you mean whitelistMode\?/)
  })

  t.test('precedence reaches the running server: flag over env over file', async (t) => {
    t.match(cli.out(), /listening on IPv4: 127\.0\.0\.1:\d+\n/, 'the env var turned IPv6 off; the flag chose the port')
    t.not(cli.port, 2)
  })

  t.test('securityOverride starts with a loud warning', async (t) => {
    t.match(cli.err(), /WARNING: securityOverride is on/)
  })

  t.test('a lock left by a crashed server is taken over', async (t) => {
    t.match(JSON.parse(readFileSync(join(dir, 'data', 'tavern-server.lock'), 'utf8')), { pid: cli.child.pid, start: /^\d+$/, boot: /./ })
  })

  t.test('a second server on the same data root is refused', async (t) => {
    const second = await runToExit(['--port', '0'], { cwd: dir })
    t.equal(second.code, 1)
    t.match(second.err, new RegExp(`in use by another tavern-server \\(process ${cli.child.pid}\\)`))
  })

  t.test('SIGHUP reloads instead of stopping the server', async (t) => {
    cli.child.kill('SIGHUP')
    await cli.waitFor(/SIGHUP received: reloading\.\n/)
    // SIGHUP would end a Node process that does not handle it; this one keeps serving.
    t.equal((await request(`${cli.url}healthz`)).status, 200)
    t.equal(cli.child.exitCode, null)
  })

  t.test('a second Ctrl-C stops at once, without waiting for requests in progress', async (t) => {
    // A request whose body never finishes keeps the first Ctrl-C waiting. From an address of its
    // own, so that its first-connection line is new.
    const socket = connect({ port: cli.port, host: '127.0.0.1', localAddress: '127.0.0.7' })
    await new Promise<void>((resolve) => socket.on('connect', resolve))
    socket.write('POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nab')
    socket.on('error', () => {})
    t.teardown(() => socket.destroy())
    // The request has passed the gate (its first-connection line is out) and waits for its body.
    await cli.waitFor(/New connection from 127\.0\.0\.7/)
    cli.child.kill('SIGINT')
    await cli.waitFor(/SIGINT received/)
    cli.child.kill('SIGINT')
    t.equal(await cli.exited, 1)
    t.match(cli.err(), 'SIGINT again: stopping now without waiting.')
  })
})
