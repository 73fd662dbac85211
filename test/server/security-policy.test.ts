import { readFileSync } from 'node:fs'
import t from 'tap'
import type { Lifecycle } from '../../src/server/lifecycle.js'
import { testApp } from '../helpers/app.js'

/** The access log once everything written so far is on disk (closing flushes it). */
async function logText (lifecycle: Lifecycle, path: string): Promise<string> {
  await lifecycle.close()
  return readFileSync(path, 'utf8')
}

const forbidden = (details: string, dir: string) =>
  `Forbidden: Connection attempt from ${details}. If you are attempting to connect, please add your IP address in whitelist or disable whitelist mode in config.yaml in ${dir}.\n`

t.test('the whitelist admits listed addresses and refuses the rest with the Forbidden text', async (t) => {
  const { app, config, err, out } = await testApp(t)
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1' })).statusCode, 200)
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '::ffff:127.0.0.1' })).statusCode, 200, 'IPv4-mapped peers are unmapped')
  const refused = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.2' })
  t.equal(refused.statusCode, 403)
  t.equal(refused.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(refused.body, forbidden('127.0.0.2', config.baseDir))
  t.equal(err(), forbidden('127.0.0.2', config.baseDir), 'the same line on the console')
  t.match(out(), /^New connection from 127\.0\.0\.1; User Agent: lightMyRequest\n$/)
})

t.test('browsers get the Forbidden text as an escaped HTML page', async (t) => {
  const { app } = await testApp(t, {}, { files: {} })
  const refused = await app.inject({ url: '/', remoteAddress: '127.0.0.2', headers: { accept: 'text/html,*/*' } })
  t.equal(refused.statusCode, 403)
  t.match(refused.headers['content-type'], /text\/html/)
  t.match(refused.body, /<title>403 Forbidden<\/title>/)
  t.match(refused.body, /<p>Forbidden: Connection attempt from 127\.0\.0\.2\. If you are attempting/)
})

t.test('a spoofed X-Forwarded-For from an untrusted peer changes nothing', async (t) => {
  const { app } = await testApp(t, { whitelist: ['127.0.0.1', '10.0.0.1'] })
  const refused = await app.inject({ url: '/healthz', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '10.0.0.1', 'x-real-ip': '10.0.0.1' } })
  t.equal(refused.statusCode, 403)
  t.match(refused.body, 'Connection attempt from 10.0.0.2.')
  // From a loopback peer outside trustedProxies, the header is no address either, and the request
  // is not this computer's: a relay it is (issue 15).
  const relayed = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.2', headers: { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' } })
  t.equal(relayed.statusCode, 403)
  t.match(relayed.body, 'Connection attempt from 127.0.0.2 through a proxy or tunnel on the server (X-Forwarded-For)')
})

t.test('a trusted proxy\'s forwarded client must be admitted too', async (t) => {
  const { app, config } = await testApp(t)
  const refused = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } })
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, forbidden('127.0.0.1 (forwarded from 203.0.113.7)', config.baseDir))
  const { app: lan } = await testApp(t, { whitelist: ['127.0.0.1', '203.0.113.0/24'] })
  const admitted = await lan.inject({ url: '/', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } })
  t.equal(admitted.statusCode, 200)
  t.match(admitted.body, /You are connected from <strong>203\.0\.113\.7<\/strong> \(through the proxy at 127\.0\.0\.1\)/)
  t.match(admitted.body, /Admitted by the whitelist entry <code>203\.0\.113\.0\/24<\/code>/)
})

t.test('with enableForwardedWhitelist, the proxy itself must be admitted as well', async (t) => {
  const { app } = await testApp(t, { trustedProxies: ['10.0.0.1'], whitelist: ['203.0.113.7'] })
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode, 403)
  const { app: off } = await testApp(t, { trustedProxies: ['10.0.0.1'], whitelist: ['10.0.0.1'], enableForwardedWhitelist: false })
  const peerOnly = await off.inject({ url: '/', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } })
  t.equal(peerOnly.statusCode, 200, 'without it only the peer is checked')
  t.match(peerOnly.body, /Admitted by the whitelist entry <code>10\.0\.0\.1<\/code>/)
})

t.test('a client the proxy does not name is admitted by no entry, even with enableForwardedWhitelist off', async (t) => {
  for (const enableForwardedWhitelist of [true, false]) {
    const { app } = await testApp(t, { trustedProxies: ['10.0.0.1'], whitelist: ['10.0.0.1'], enableForwardedWhitelist })
    const hidden = await app.inject({ url: '/healthz', remoteAddress: '10.0.0.1', headers: { forwarded: 'for=_hidden' } })
    t.equal(hidden.statusCode, 403, `enableForwardedWhitelist: ${String(enableForwardedWhitelist)}`)
    t.match(hidden.body, 'Connection attempt from 10.0.0.1 (forwarded from a client the proxy does not name).')
  }
})

t.test('a garbage forwarded header from a trusted proxy is a 400, not a 500', async (t) => {
  const { app, config, lifecycle } = await testApp(t)
  for (const headers of [{ 'x-forwarded-for': 'garbage' }, { 'x-real-ip': '1.2.3.4:80:90' }, { 'x-forwarded-for': '5.6.7.8,,127.0.0.1' }]) {
    const response = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1', headers })
    t.equal(response.statusCode, 400, JSON.stringify(headers))
    t.match(response.body, /^Bad Request: The X-(Forwarded-For|Real-IP) header from the proxy is not a valid address list\./)
  }
  const log = await logText(lifecycle, config.logging.accessLogPath)
  t.match(log, /client=127\.0\.0\.1 forwarded_from=- user=- method=GET path="\/healthz" status=400 reason=bad-request/)
})

t.test('the Host guard refuses names that are not this server', async (t) => {
  const { app, config, err, lifecycle } = await testApp(t, { hostWhitelist: { hosts: ['.ts.net'] } }, { hostname: 'my-pc' })
  for (const host of ['localhost:8000', '127.0.0.1', '[::1]:8000', 'my-pc:8000', 'my-pc.local', 'pc.tailnet.ts.net']) {
    t.equal((await app.inject({ url: '/healthz', headers: { host } })).statusCode, 200, host)
  }
  const refused = await app.inject({ url: '/healthz', headers: { host: 'Evil.Example:8000' } })
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, `Forbidden: the host name "evil.example" is not allowed, to protect against DNS rebinding. If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.\n`)
  t.match(err(), `Forbidden: request for host "evil.example" from 127.0.0.1 (not this server's name). If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`)
  t.match(await logText(lifecycle, config.logging.accessLogPath), /status=403 reason=host-rejected/)
})

t.test('the Host guard can be switched off', async (t) => {
  const { app } = await testApp(t, { hostWhitelist: { enabled: false } })
  t.equal((await app.inject({ url: '/healthz', headers: { host: 'evil.example' } })).statusCode, 200)
})

t.test('the Host check comes before the whitelist', async (t) => {
  const { app } = await testApp(t)
  const response = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.2', headers: { host: 'evil.example' } })
  t.match(response.body, /host name "evil\.example" is not allowed/)
})

t.test('with whitelistMode off every address is admitted, and the home page says so', async (t) => {
  const { app } = await testApp(t, { whitelistMode: false })
  const response = await app.inject({ url: '/', remoteAddress: '10.9.9.9' })
  t.equal(response.statusCode, 200)
  t.match(response.body, /The IP whitelist is off \(whitelistMode: false\)\./)
})

t.test('access log lines record allowed (first per address) and forbidden requests', async (t) => {
  const { app, config, lifecycle } = await testApp(t)
  await app.inject({ url: '/a', remoteAddress: '127.0.0.1', headers: { 'user-agent': 'phone' } })
  await app.inject({ url: '/b', remoteAddress: '127.0.0.1', headers: { 'user-agent': 'phone' } })
  await app.inject({ url: '/c?x="y"', remoteAddress: '127.0.0.2', headers: { 'user-agent': 'scanner' } })
  const lines = (await logText(lifecycle, config.logging.accessLogPath)).split('\n').filter(Boolean)
  t.equal(lines.length, 2)
  t.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z client=127\.0\.0\.1 forwarded_from=- user=- method=GET path="\/a" status=- reason=allowed ua="phone"$/)
  t.match(lines[1], /client=127\.0\.0\.2 forwarded_from=- user=- method=GET path="\/c\?x=%22y%22" status=403 reason=forbidden ua="scanner"$/)
})

t.test('logging.enableAccessLog: false writes no file and no console lines', async (t) => {
  const { app, err, out, config } = await testApp(t, { logging: { enableAccessLog: false } })
  await app.inject({ url: '/', remoteAddress: '127.0.0.1' })
  await app.inject({ url: '/', remoteAddress: '127.0.0.2' })
  t.equal(out(), '')
  t.equal(err(), '')
  t.throws(() => readFileSync(config.logging.accessLogPath), { code: 'ENOENT' })
})

t.test('an access log that cannot be opened stops start-up with its path', async (t) => {
  const dir = t.testdir({ 'a-file': '' })
  await t.rejects(testApp(t, { logging: { accessLogPath: `${dir}/a-file/access.log` } }), {
    code: 'TVS_ERR_ACCESS_LOG',
    message: new RegExp(`^Cannot open the access log ${dir}/a-file/access\\.log: EEXIST`)
  })
})

t.test('a failing access log is reported once and never stops the server', async (t) => {
  const { app, err, lifecycle } = await testApp(t, { logging: { accessLogPath: '/dev/full' } })
  for (const remoteAddress of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
    t.equal((await app.inject({ url: '/healthz', remoteAddress })).statusCode, 403)
  }
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  await lifecycle.close() // every pending write has failed by the time the log is closed
  t.equal(err().split('\n').filter((l) => l.startsWith('Cannot write the access log /dev/full (ENOSPC')).length, 1)
})

t.test('a tunnel that names its visitor: the visitor\'s whitelist entry admits it, the loopback one never does', async (t) => {
  const headers = { 'cf-ray': '8a1b-AMS', 'x-forwarded-for': '203.0.113.7' }
  const { app } = await testApp(t, { whitelist: ['127.0.0.1', '203.0.113.0/24'] })
  const admitted = await app.inject({ url: '/', remoteAddress: '127.0.0.1', headers })
  t.equal(admitted.statusCode, 200)
  t.match(admitted.body, /Admitted by the whitelist entry <code>203\.0\.113\.0\/24<\/code>/)
  const { app: peerOnly } = await testApp(t, { whitelist: ['127.0.0.1'], enableForwardedWhitelist: false })
  const refused = await peerOnly.inject({ url: '/', remoteAddress: '127.0.0.1', headers })
  t.equal(refused.statusCode, 403, 'not even with enableForwardedWhitelist: false')
  t.match(refused.body, 'Forbidden: Connection attempt from 127.0.0.1 (forwarded from 203.0.113.7) through Cloudflare Tunnel. If you are attempting to connect,')
})
