/**
 * Who may connect, over real sockets: clients bound to other loopback addresses, forwarded
 * headers, whitelist.txt and live reload, the access log, and real LAN-like addresses in network
 * namespaces.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { systemProbe } from '../../src/access/docker-hosts.js'
import { runToExit, startCli } from '../helpers/cli.js'
import { oneConnection, request } from '../helpers/http.js'
import { createNetns, link, netnsUnavailable, nsGet } from '../helpers/netns.js'

const noNetns = netnsUnavailable()

/** Sends raw bytes and returns everything the server answers before closing. */
function raw (port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk.toString() })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
    socket.end(text)
  })
}

/** A request from 127.0.0.1 (a trusted proxy by default) with `junk` client lines before `last`. */
const piledUp = (junk: number, last: string, extra = ''): string =>
  `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}${'A: 1\r\n'.repeat(junk)}${last}\r\n\r\n`

t.test('one server whose whitelist is the key in config.yaml, first 127.0.0.1 alone', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('a client bound to 127.0.0.2 is refused while 127.0.0.1 is admitted', async (t) => {
    t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.1' })).status, 200)
    const refused = await request(`${cli.url}healthz`, { localAddress: '127.0.0.2' })
    t.equal(refused.status, 403)
    t.equal(refused.body, `Forbidden: Connection attempt from 127.0.0.2. If you are attempting to connect, please add your IP address in whitelist or disable whitelist mode in config.yaml in ${dir}.\n`)
    await cli.waitFor(/New connection from 127\.0\.0\.1; User Agent: -\n/)
    await cli.waitForErr(/Forbidden: Connection attempt from 127\.0\.0\.2\./)
  })

  t.test('a request with more header lines than Node keeps is refused before any check, never judged on what is left', async (t) => {
    // A Go proxy writes headers sorted by name: a client's many `A` lines before X-Forwarded-For.
    for (const last of ['X-Forwarded-For: 127.0.0.9', 'X-Real-IP: 127.0.0.9']) {
      t.match(await raw(cli.port, piledUp(997, last)), /^HTTP\/1\.1 403 Forbidden\r\n[^]*forwarded from 127\.0\.0\.9/, `1000 lines: all read, ${last} counts`)
      for (const junk of [999, 2500]) {
        const answer = await raw(cli.port, piledUp(junk, last))
        t.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/, `${junk} junk lines, then ${last}`)
        t.match(answer, 'Request Header Fields Too Large: more than 1000 header lines. Send fewer headers.')
      }
    }
    await cli.waitForErr(/Request Header Fields Too Large: more than 1000 header lines from 127\.0\.0\.1; refused before any check\./)
    t.match(await raw(cli.port, piledUp(999, '')), /^HTTP\/1\.1 431 /, 'any request, forwarded or not')
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    t.match(await raw(cli.port, piledUp(999, 'X-Forwarded-For: 127.0.0.9', upgrade)), /^HTTP\/1\.1 431 /, 'a WebSocket upgrade too')
  })

  t.test('the Host guard refuses foreign names, WebSocket upgrades included; HTTP/1.0 may omit Host', async (t) => {
    const upgrade = await raw(cli.port, 'GET /socket HTTP/1.1\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: close\r\n\r\n')
    t.match(upgrade, /^HTTP\/1\.1 403 Forbidden\r\n/)
    t.match(upgrade, /the host name "evil\.example" is not allowed/)
    t.match(await raw(cli.port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/)
    t.match(await raw(cli.port, 'GET /healthz HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 OK\r\n/)
  })

  t.test('edits to the whitelist in config.yaml apply too, and SIGHUP reloads', async (t) => {
    writeFileSync(join(dir, 'config.yaml'), 'whitelist:\n  - 127.0.0.1\n  - 127.0.0.3\n  - ::1\n')
    await cli.waitFor(/whitelist reloaded: 3 entries from the whitelist key in \S+config\.yaml\n/)
    t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })).status, 200)
    cli.child.kill('SIGHUP')
    await cli.waitFor(/SIGHUP received: reloading\.\nwhitelist reloaded: 3 entries from the whitelist key in \S+config\.yaml\nReload done\.\n/)
  })
})

t.test('one server behind a trusted proxy on this computer (127.0.0.1, 10.9.0.0/16)', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - 10.0.0.0/8\ntrustedProxies:\n  - 127.0.0.1\n  - 10.9.0.0/16\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('on one kept-alive connection, every request is checked: its Host, and a proxy\'s forwarded client', async (t) => {
    const { agent, connections } = oneConnection()
    t.teardown(() => { agent.destroy() })
    const status = async (headers: Record<string, string>) => (await request(`${cli.url}healthz`, { agent, headers })).status
    t.equal(await status({ host: 'localhost' }), 200)
    t.equal(await status({ host: 'evil.example' }), 403, 'a foreign Host after an allowed one')
    t.equal(await status({ host: 'localhost' }), 200)
    t.equal(await status({ 'x-forwarded-for': '10.1.2.3' }), 200)
    t.equal(await status({ 'x-forwarded-for': '10.4.5.6' }), 200)
    t.equal(await status({ 'x-forwarded-for': '203.0.113.9' }), 403, 'a forwarded client off the list after admitted ones')
    t.equal(connections(), 1, 'every request went over one connection')
    await cli.waitFor(/New connection from 10\.4\.5\.6;/)
    t.equal(cli.out().match(/New connection from 127\.0\.0\.1;/g)?.length, 1, 'the connection itself is recorded once')
    t.match(cli.out(), /New connection from 10\.1\.2\.3;/, 'each forwarded client is recorded')
  })

  t.test('forwarded headers: ignored from an untrusted peer, honoured from a trusted one', async (t) => {
    const spoofed = await request(`${cli.url}healthz`, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '10.1.2.3' } })
    t.equal(spoofed.status, 403, 'a header from 127.0.0.2 (not a trusted proxy) changes nothing')
    const proxied = await request(`${cli.url}`, { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' } })
    t.equal(proxied.status, 200)
    t.match(proxied.body, /connected from <strong>10\.1\.2\.3<\/strong> \(through the proxy at 127\.0\.0\.1\)/)
    const outside = await request(`${cli.url}healthz`, { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } })
    t.equal(outside.status, 403)
    t.match(outside.body, 'Connection attempt from 127.0.0.1 (forwarded from 203.0.113.9).')
    const garbage = await request(`${cli.url}healthz`, { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': 'not-an-address' } })
    t.equal(garbage.status, 400)
    t.equal(cli.child.exitCode, null, 'still running')
  })

  t.test('forwarded headers that name different clients are a 400 that says which and what to change', async (t) => {
    // nginx's common snippet sets X-Real-IP and passes on the client's own X-Forwarded-For.
    // From here on 127.0.0.2 is on the whitelist too (and IPv6 documentation addresses, for the
    // next test). The console says the first five refusals from 127.0.0.1 a minute: the one
    // awaited below is the third on this server.
    writeFileSync(join(dir, 'config.yaml'), 'whitelist:\n  - 127.0.0.1\n  - 127.0.0.2\n  - 10.0.0.0/8\n  - 2001:db8::/32\ntrustedProxies:\n  - 127.0.0.1\n  - 10.9.0.0/16\n')
    await cli.waitFor(/whitelist reloaded: 4 entries from the whitelist key in /)
    const answer = await request(cli.url, { localAddress: '127.0.0.1', headers: { 'x-real-ip': '127.0.0.9', 'x-forwarded-for': '127.0.0.2' } })
    t.equal(answer.status, 400)
    t.equal(answer.body, `Bad Request: The X-Forwarded-For and X-Real-IP headers from the proxy name different clients (127.0.0.2 and 127.0.0.9). A proxy that sets one of them passes the other on as the client wrote it: turn off the headers your proxy does not set, in forwardedHeaders in ${join(dir, 'config.yaml')}.\n`)
    await cli.waitForErr(/name different clients \(127\.0\.0\.2 and 127\.0\.0\.9\)/)
    const forwarded = await request(cli.url, { localAddress: '127.0.0.1', headers: { 'x-real-ip': '127.0.0.9', forwarded: 'for=127.0.0.2' } })
    t.match(forwarded.body, 'The Forwarded and X-Real-IP headers from the proxy name different clients')
    const agreeing = await request(cli.url, { localAddress: '127.0.0.1', headers: { 'x-real-ip': '127.0.0.2', 'x-forwarded-for': '127.0.0.9, 127.0.0.2', forwarded: 'for=127.0.0.2' } })
    t.equal(agreeing.status, 200, 'headers that agree')
  })

  t.test('RFC 7239 Forwarded from a trusted proxy names the client; garbage is a 400', async (t) => {
    const from = (forwarded: string | string[], localAddress = '127.0.0.1') => request(cli.url, { localAddress, headers: { Forwarded: forwarded } })
    const admitted = async (forwarded: string | string[], client: string, what: string) => {
      const answer = await from(forwarded)
      t.equal(answer.status, 200, what)
      t.match(answer.body, `connected from <strong>${client}</strong> (through the proxy at 127.0.0.1)`, what)
    }
    await admitted('for="127.0.0.2:4711"', '127.0.0.2', 'quoted, with a port')
    await admitted('for="[2001:db8::1]:4711";proto=http', '2001:db8::1', 'IPv6 in brackets')
    await admitted('for=127.0.0.9, for=10.1.2.3;by=10.9.0.1, for=10.9.0.1', '10.1.2.3', 'several hops, walked back through the trusted ones')
    await admitted(['for=127.0.0.9', 'for=127.0.0.2'], '127.0.0.2', 'two header lines: the nearest hop')
    const outside = await from('for="127.0.0.9:4711"')
    t.equal(outside.status, 403)
    t.match(outside.body, 'Connection attempt from 127.0.0.1 (forwarded from 127.0.0.9).')
    for (const hidden of ['for=unknown', 'for="_hidden"', 'for=127.0.0.2, for=_hidden']) {
      const answer = await from(hidden)
      t.equal(answer.status, 403, `${hidden}: the proxy's own entry does not admit a client it does not name`)
      t.match(answer.body, 'Connection attempt from 127.0.0.1 (forwarded from a client the proxy does not name).')
    }
    for (const garbage of ['for=nonsense', 'for="127.0.0.2', 'for=127.0.0.2;for=127.0.0.3', '']) {
      const answer = await from(garbage)
      t.equal(answer.status, 400, JSON.stringify(garbage))
      t.equal(answer.body, 'Bad Request: The Forwarded header from the proxy is not a valid address list.\n')
    }
    t.equal((await from('for=127.0.0.1', '127.0.0.2')).status, 403, 'from a peer that is not a trusted proxy, ignored')
    t.equal(cli.child.exitCode, null, 'still running')
  })
})

t.test('with satisfy: any, piled-up header lines cannot skip the password, and neither can a hidden client', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\nsatisfy: any\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: s3cret\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const login = `Authorization: Basic ${Buffer.from('me:s3cret').toString('base64')}\r\n`
  for (const last of ['X-Forwarded-For: 127.0.0.9', 'X-Real-IP: 127.0.0.9']) {
    t.match(await raw(cli.port, piledUp(997, last)), /^HTTP\/1\.1 401 /, `${last} read: the password is asked for`)
    for (const junk of [999, 2500]) t.match(await raw(cli.port, piledUp(junk, last)), /^HTTP\/1\.1 431 /, `${junk} junk lines, then ${last}`)
    t.match(await raw(cli.port, piledUp(998, last, login)), /^HTTP\/1\.1 431 /, 'refused before the password is checked')
  }
  t.equal((await request(cli.url, { localAddress: '127.0.0.1', headers: { forwarded: 'for=unknown' } })).status, 401, 'a client the proxy does not name is not the proxy')
  t.equal((await request(cli.url, { localAddress: '127.0.0.1', headers: { forwarded: 'for=unknown', authorization: `Basic ${Buffer.from('me:s3cret').toString('base64')}` } })).status, 200)
})

t.test('one server whose whitelist is whitelist.txt', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.2\n', 'whitelist.txt': '# only this computer\n127.0.0.1\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('whitelist.txt takes precedence, says so, and edits apply without a restart', async (t) => {
    const file = join(dir, 'whitelist.txt')
    t.match(cli.out(), `Whitelist: 1 entry from ${file} (it replaces the whitelist key in ${join(dir, 'config.yaml')}).\n`, 'start-up says which list is in force')
    const refused = await request(`${cli.url}healthz`, { localAddress: '127.0.0.2' })
    t.equal(refused.status, 403, 'the config list is not used')
    t.equal(refused.body, `Forbidden: Connection attempt from 127.0.0.2. If you are attempting to connect, please add your IP address to whitelist.txt in ${dir} (it replaces the whitelist in config.yaml), or disable whitelist mode in config.yaml in ${dir}.\n`,
      'the Forbidden message names the file that holds the list')

    writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.1\r\n127.0.0.2\r\n')
    await cli.waitFor(/whitelist reloaded: 2 entries from \S+whitelist\.txt \(it replaces the whitelist key in \S+config\.yaml\)\n/)
    t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.2' })).status, 200)

    writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.1\nmy-phone\n')
    await cli.waitForErr(/whitelist not reloaded, keeping the previous list: Invalid whitelist entries[^]*whitelist\.txt:2: "my-phone"/)
    t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.2' })).status, 200, 'a bad edit keeps the old list')
  })

  t.test('a reloaded whitelist applies to connections already open', async (t) => {
    // The list in force is the last good one: 127.0.0.1 and 127.0.0.2.
    const { agent, connections } = oneConnection('127.0.0.2')
    t.teardown(() => { agent.destroy() })
    const status = async () => (await request(`${cli.url}healthz`, { agent })).status
    t.equal(await status(), 200)
    t.equal(await status(), 200)
    writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.1\n')
    await cli.waitFor(/whitelist reloaded: 1 entry from /)
    t.equal(await status(), 403, 'the same connection, refused by the new list')
    writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.0/24\n')
    await cli.waitFor(/whitelist reloaded: 1 entry from [^]*whitelist reloaded: 1 entry from /)
    t.equal(await status(), 200, 'and admitted again')
    t.equal(connections(), 1, 'every request went over one connection')
  })
})

t.test('the access log: every decision, one line each; reopened on SIGHUP for logrotate', async (t) => {
  const dir = t.testdir({})
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const log = join(dir, 'access.log')
  await request(`${cli.url}healthz`, { localAddress: '127.0.0.1', headers: { 'user-agent': 'phone/1.0' } })
  await request(`${cli.url}healthz`, { localAddress: '127.0.0.2', headers: { 'user-agent': 'scanner' } })
  await request(`${cli.url}healthz`, { localAddress: '127.0.0.1', headers: { host: 'rebind.example' } })
  renameSync(log, `${log}.1`)
  cli.child.kill('SIGHUP')
  await cli.waitFor(/Reload done\.\n/)
  await request(`${cli.url}x`, { localAddress: '127.0.0.4' })
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
  const before = readFileSync(`${log}.1`, 'utf8').split('\n').filter(Boolean)
  t.equal(before.length, 3)
  t.match(before[0], / client=127\.0\.0\.1 forwarded_from=- user=- method=GET path="\/healthz" status=- reason=allowed ua="phone\/1\.0"$/)
  t.match(before[1], / client=127\.0\.0\.2 .* status=403 reason=forbidden ua="scanner"$/)
  t.match(before[2], / client=127\.0\.0\.1 .* status=403 reason=host-rejected /)
  t.match(readFileSync(log, 'utf8'), /^\S+ client=127\.0\.0\.4 .* status=403 reason=forbidden ua=-\n$/)
})

t.test('the documented fail2ban filter matches refusals and nothing else', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const failregex = /^failregex = (.+)$/m.exec(readme)?.[1]
  t.ok(failregex, 'the README has a failregex line')
  // As fail2ban does: cut out the date (datepattern), then search failregex, where <HOST> stands
  // for an address (the part of its definition our lines use).
  const regex = new RegExp(failregex!.replace('<HOST>', '(?<host>[0-9a-fA-F.:]+)'))
  const pattern = { exec: (line: string) => regex.exec(line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/, '')) }
  const line = (client: string, status: string, reason: string) => `2026-11-25T10:00:00.000Z client=${client} forwarded_from=- user=- method=GET path="/" status=${status} reason=${reason} ua="x"`
  t.equal(pattern.exec(line('10.0.0.5', '403', 'forbidden'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec(line('2001:db8::7', '401', 'unauthorized'))?.groups?.host, '2001:db8::7')
  t.equal(pattern.exec(line('10.0.0.5', '429', 'rate-limited'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec(line('10.0.0.5', '403', 'host-rejected'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec(line('10.0.0.5', '400', 'malformed'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec(line('10.0.0.5', '431', 'headers-too-large'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec(line('10.0.0.5', '405', 'connect'))?.groups?.host, '10.0.0.5')
  t.equal(pattern.exec('2026-11-25T10:00:00.000Z client=10.0.0.5 forwarded_from=- user=- method=- path="" status=400 reason=malformed ua=-')?.groups?.host, '10.0.0.5', 'a request line that could not be read')
  t.equal(pattern.exec(line('10.0.0.5', '400', 'tls-handshake')), null, 'https:// typed by mistake')
  t.equal(pattern.exec(line('10.0.0.5', '408', 'timeout')), null, 'a slow network')
  t.equal(pattern.exec(line('10.0.0.5', '-', 'allowed')), null)
  t.equal(pattern.exec('2026-11-25T10:00:00.000Z client=10.0.0.5 forwarded_from=- user=- method=GET path="/ reason=forbidden" status=- reason=allowed ua="x"'), null, 'a crafted path cannot fake a refusal')
})

t.test('an unreadable whitelist.txt refuses start-up and says why', async (t) => {
  const dir = t.testdir({ 'whitelist.txt': {} })
  const result = await runToExit(['--port', '0'], { cwd: dir })
  t.equal(result.code, 1)
  t.match(result.err, `Cannot read ${join(dir, 'whitelist.txt')}: EISDIR`)
})

t.test('the start-up gate reads whitelist.txt too', async (t) => {
  const dir = t.testdir({ 'whitelist.txt': '0.0.0.0/0\n' })
  const result = await runToExit(['--listen', '--listenAddressIPv4', '127.0.0.1', '--port', '0'], { cwd: dir })
  t.equal(result.code, 1)
  t.match(result.err, /Why: the whitelist admits every IPv4 address/)
})

t.test('a 192.168.x device is admitted by 192.168.0.0/16 and a 10.x device is forbidden, over --listen', { skip: noNetns }, async (t) => {
  const server = createNetns(t.teardown)
  const phone = createNetns(t.teardown)
  const stranger = createNetns(t.teardown)
  link(server, '192.168.77.1/24', phone, '192.168.77.20/24')
  link(server, '10.66.0.1/24', stranger, '10.66.0.20/24')
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - 192.168.0.0/16\n' })
  const cli = await startCli(['--listen', '--port', '8000'], { cwd: dir, prefix: server.prefix })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(cli.out(), 'tavern-server is listening on IPv4: 0.0.0.0:8000')
  t.match(cli.out(), /http:\/\/192\.168\.77\.1:8000\/ {2}\(\S+, LAN: admitted by whitelist entry 192\.168\.0\.0\/16\)/)
  t.match(cli.out(), /http:\/\/10\.66\.0\.1:8000\/ {2}\(\S+, LAN: forbidden: not on the whitelist yet; add 10\.66\.0\.0\/24 to whitelist/)
  const fromPhone = nsGet(phone, 'http://192.168.77.1:8000/')
  t.equal(fromPhone.status, 200)
  t.match(fromPhone.body, /connected from <strong>192\.168\.77\.20<\/strong>/)
  const fromStranger = nsGet(stranger, 'http://10.66.0.1:8000/healthz')
  t.equal(fromStranger.status, 403)
  t.match(fromStranger.body, 'Forbidden: Connection attempt from 10.66.0.20.')
  await cli.waitFor(/New connection from 192\.168\.77\.20; User Agent: curl\//)
})

t.test('in a container, start-up says which Docker host addresses it admits, when other devices can connect at all', { skip: noNetns ?? (systemProbe.inContainer() ? false : 'this machine is not a container') }, async (t) => {
  // Inside an empty namespace no name resolves and no query can leave the machine.
  const ns = createNetns(t.teardown)
  const env = { TAVERN_WHITELISTDOCKERHOSTS: 'true' }
  const local = await startCli(['--port', '8000'], { cwd: t.testdir({}), prefix: ns.prefix, env })
  t.notMatch(local.out(), /Running in a container|Docker host/, 'with listen: false, no Docker host line')
  local.child.kill('SIGTERM')
  t.equal(await local.exited, 0)
  const cli = await startCli(['--port', '8000', '--listen'], { cwd: t.testdir({}), prefix: ns.prefix, env })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(cli.out(), /Running in a container, but no Docker host address was found [^\n]*If a browser on the host computer is refused, add the address its Forbidden message names to the whitelist\.\n/)
})
