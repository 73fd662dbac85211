/**
 * HTTPS end to end: the real command, real handshakes, clients that trust only the test's own CA
 * (or the certificate `tavern-server cert` made).
 */
import { X509Certificate } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { hostname, networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import t from 'tap'
import { formatDate } from '../../src/server/tls-pair.js'
import { cannotRunAsOther, runToExit, startCli, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import { httpsGet, keepAliveAgent } from '../helpers/https.js'
import { days, encryptKey, issue, makeCa } from '../helpers/pki.js'
import type { Leaf } from '../helpers/pki.js'

const ca = await makeCa()
const leaf = await issue(ca)

/** Writes the pair into `folder` as renewal tools do: aside, then renamed into place. */
function replacePair (folder: string, pair: Pick<Leaf, 'cert' | 'key'>, names = { cert: 'cert.pem', key: 'privkey.pem' }): void {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'cert.tmp'), pair.cert)
  writeFileSync(join(folder, 'key.tmp'), pair.key)
  renameSync(join(folder, 'key.tmp'), join(folder, names.key))
  renameSync(join(folder, 'cert.tmp'), join(folder, names.cert))
}

t.test('--ssl --keyPath --certPath serves HTTPS that verifies against the CA; an encrypted key opens with --keyPassphrase', async (t) => {
  const dir = t.testdir({ tls: { 'server.crt': leaf.cert, 'server.key': encryptKey(leaf.key, 'correct horse') } })
  const cli = await startCli(['--ssl', '--certPath', 'tls/server.crt', '--keyPath', 'tls/server.key', '--keyPassphrase', 'correct horse', '--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal(cli.url, `https://127.0.0.1:${cli.port}/`)
  t.match(cli.out(), `HTTPS certificate ${join(dir, 'tls', 'server.crt')}: valid until `)
  t.match(cli.out(), `SHA-256 fingerprint ${new X509Certificate(leaf.cert).fingerprint256}\n`)
  for (const host of ['127.0.0.1', 'localhost']) {
    const response = await httpsGet(`https://${host}:${cli.port}/healthz`, { ca: ca.cert })
    t.same([response.status, response.body, response.serial], [200, 'ok\n', leaf.serial], host)
  }
  t.equal(cli.err(), '')
})

t.test('each broken certificate set-up is one line on stderr and exit 1', async (t) => {
  const other = await issue(ca)
  const expired = await issue(ca, { notBefore: days(-60), notAfter: days(-2) })
  const base = t.testdir({})
  const cases: Array<{ name: string, files: Record<string, string>, env?: Record<string, string>, err: RegExp }> = [
    { name: 'missing', files: {}, err: /^HTTPS is on, but the certificate file \S+cert\.pem and the key file \S+privkey\.pem do not exist\. Run node \S+bin\/tavern-server\.js cert/ },
    { name: 'not a PEM certificate', files: { 'cert.pem': 'hello\n', 'privkey.pem': leaf.key }, err: /^The TLS certificate file \S+cert\.pem is not a PEM certificate\./ },
    { name: 'not a PEM key', files: { 'cert.pem': leaf.cert, 'privkey.pem': 'hello\n' }, err: /^The TLS key file \S+privkey\.pem is not a PEM private key\./ },
    { name: 'no passphrase', files: { 'cert.pem': leaf.cert, 'privkey.pem': encryptKey(leaf.key, 'right') }, err: /^The TLS key \S+privkey\.pem is encrypted and no passphrase was given\./ },
    { name: 'wrong passphrase', files: { 'cert.pem': leaf.cert, 'privkey.pem': encryptKey(leaf.key, 'right') }, env: { TAVERN_SSL_KEYPASSPHRASE: 'wrong' }, err: /^The passphrase for the TLS key \S+privkey\.pem is wrong\./ },
    { name: 'key of another certificate', files: { 'cert.pem': leaf.cert, 'privkey.pem': other.key }, err: /^The TLS key \S+privkey\.pem does not belong to the certificate \S+cert\.pem\./ },
    { name: 'expired', files: { 'cert.pem': expired.cert, 'privkey.pem': expired.key }, err: new RegExp(`^The TLS certificate \\S+cert\\.pem expired on ${formatDate(new Date(new X509Certificate(expired.cert).validTo))}\\. Renew it`) }
  ]
  // Independent processes: run side by side.
  const results = await Promise.all(cases.map(async (c, i) => {
    const dir = join(base, String(i))
    mkdirSync(join(dir, 'certs'), { recursive: true })
    for (const [name, text] of Object.entries(c.files)) writeFileSync(join(dir, 'certs', name), text)
    return runToExit(['--ssl', '--port', '0'], { cwd: dir, ...(c.env === undefined ? {} : { env: c.env }) })
  }))
  for (const [i, c] of cases.entries()) {
    const result = results[i]!
    t.equal(result.code, 1, `${c.name}: exit 1`)
    t.match(result.err, c.err, `${c.name}: message`)
    t.equal(result.err.split('\n').length, 2, `${c.name}: one line`)
    t.notMatch(result.out, /listening/, `${c.name}: nothing listens`)
  }
})

const asOther = cannotRunAsOther()

t.test('a key the server\'s user cannot read: the message names that user', { skip: asOther }, async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\nssl:\n  enabled: true\n', certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } })
  chmodSync(dir, 0o777) // the other user creates its data folder here
  chmodSync(join(dir, 'certs', 'privkey.pem'), 0o600)
  const users = [
    { args: ['--reuid=nobody', '--regid=nogroup'], name: /as nobody \(uid 65534\), the user the server runs as/ },
    { args: ['--reuid=54321', '--regid=54321'], name: /as uid 54321, the user the server runs as/ }
  ]
  for (const [i, user] of users.entries()) {
    // That user cannot write this test run's coverage records, so it runs without recording.
    const prefix = ['setpriv', ...user.args, '--clear-groups', ...WITHOUT_TEST_RUNNER]
    const result = await runToExit(['--dataRoot', `data-${i}`], { cwd: dir, prefix, env: { TAVERN_LOGGING_ACCESSLOGPATH: `access-${i}.log` } })
    t.equal(result.code, 1)
    t.match(result.err, /^Cannot read the TLS key file \S+privkey\.pem /)
    t.match(result.err, user.name)
    t.match(result.err, /: permission denied\. Give that user read access/)
    t.equal(result.err.split('\n').length, 2, 'one line')
  }
})

t.test('tavern-server cert makes a pair the server accepts, valid for this computer\'s names and addresses', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\n' })
  const made = await runToExit(['cert'], { cwd: dir })
  t.equal(made.code, 0)
  const cert = readFileSync(join(dir, 'certs', 'cert.pem'), 'utf8')
  const certificate = new X509Certificate(cert)
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? [])
    .filter((info) => !info.internal && !info.address.startsWith('fe80:'))
  for (const expected of ['DNS:localhost', `DNS:${hostname().toLowerCase()}`, 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
    t.match(certificate.subjectAltName, expected)
  }
  for (const info of addresses) t.match(made.out, new RegExp(`Valid for: .*\\b${info.address}\\b`), `covers ${info.address}`)
  t.match(made.out, `SHA-256 fingerprint: ${certificate.fingerprint256}\n`)
  t.equal(readFileSync(join(dir, 'certs', 'privkey.pem'), 'utf8').startsWith('-----BEGIN PRIVATE KEY-----'), true)

  const cli = await startCli(['--ssl', '--listen', '--listenAddressIPv4', '127.0.0.1', '--enableIPv6', '--listenAddressIPv6', '::1'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  // The certificate itself is the only thing trusted, as on a phone that accepted it.
  for (const host of ['127.0.0.1', '[::1]', 'localhost']) {
    t.equal((await httpsGet(`https://${host}:${cli.port}/healthz`, { ca: cert })).status, 200, host)
  }
  t.match(cli.out(), `SHA-256 fingerprint ${certificate.fingerprint256}`, 'the server shows the same fingerprint')
})

t.test('reload: new connections get the new certificate, a kept-alive connection carries on; an encrypted key opens with TAVERN_SSL_KEYPASSPHRASE, at start and at each reload', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\nssl:\n  enabled: true\n' })
  const certs = join(dir, 'certs')
  const encrypted = (pair: Leaf): Leaf => ({ ...pair, key: encryptKey(pair.key, 'correct horse') })
  replacePair(certs, encrypted(leaf))
  const cli = await startCli([], { cwd: dir, env: { TAVERN_SSL_KEYPASSPHRASE: 'correct horse' } })
  const agent = keepAliveAgent(ca.cert)
  t.teardown(() => {
    agent.destroy()
    cli.child.kill()
  })
  const url = `${cli.url}healthz`
  const first = await httpsGet(url, { ca: ca.cert, agent })
  t.same([first.status, first.serial], [200, leaf.serial], 'the encrypted key opened with the passphrase from the environment')

  // Renewed on disk (as certbot does): picked up by itself.
  const renewed = await issue(ca)
  replacePair(certs, encrypted(renewed))
  await cli.waitFor(/Reloaded the TLS certificate \S+cert\.pem: valid until .* UTC, SHA-256 fingerprint [0-9A-F:]+\n/)
  const kept = await httpsGet(url, { ca: ca.cert, agent })
  t.same([kept.status, kept.reused, kept.serial], [200, true, leaf.serial], 'the open connection still works')
  t.equal((await httpsGet(url, { ca: ca.cert })).serial, renewed.serial, 'a new connection sees the new serial')

  // SIGHUP reloads at once, and prints the new expiry.
  const third = await issue(ca, { notAfter: days(20) })
  replacePair(certs, encrypted(third))
  cli.child.kill('SIGHUP')
  await cli.waitFor(new RegExp(`SIGHUP received: reloading\\.\\n(?:.*\\n)*?Reloaded the TLS certificate \\S+: valid until ${formatDate(new Date(new X509Certificate(third.cert).validTo))}`))
  t.equal((await httpsGet(url, { ca: ca.cert })).serial, third.serial)
  t.equal((await httpsGet(url, { ca: ca.cert, agent })).serial, leaf.serial, 'the first connection is still open')

  // A broken pair keeps the one in service.
  writeFileSync(join(certs, 'privkey.pem'), 'truncated')
  cli.child.kill('SIGHUP')
  await cli.waitForErr(/TLS certificate not reloaded, the one in service stays: The TLS key file \S+privkey\.pem is not a PEM private key/)
  t.equal((await httpsGet(url, { ca: ca.cert })).serial, third.serial)

  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0, 'stops cleanly with a kept-alive TLS connection open')
})

t.test('one server whose certificate expires soon, from the base directory of its config file', async (t) => {
  const soon = await issue(ca, { notBefore: days(-80), notAfter: days(3) })
  const dir = t.testdir({ site: { 'config.yaml': 'port: 0\nssl:\n  enabled: true\n', certs: { 'cert.pem': soon.cert, 'privkey.pem': soon.key } }, elsewhere: {} })
  const cli = await startCli(['--configPath', '../site/config.yaml'], { cwd: join(dir, 'elsewhere') })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('the default certs/cert.pem and certs/privkey.pem live in the base directory', async (t) => {
    t.match(cli.out(), `HTTPS certificate ${join(dir, 'site', 'certs', 'cert.pem')}`)
    t.equal((await httpsGet(`${cli.url}healthz`, { ca: ca.cert })).serial, soon.serial)
  })

  t.test('a certificate expiring within 14 days: a warning with the date, and the server starts', async (t) => {
    t.match(cli.err(), `Warning: the TLS certificate ${join(dir, 'site', 'certs', 'cert.pem')} expires on ${formatDate(new Date(new X509Certificate(soon.cert).validTo))}, in 2 days.`)
    t.equal((await httpsGet(`${cli.url}healthz`, { ca: ca.cert })).status, 200)
  })

  t.test('plain HTTP to the HTTPS port is told to use https://', async (t) => {
    const response = await request(`http://127.0.0.1:${cli.port}/chat`)
    t.equal(response.status, 307)
    t.equal(response.headers.location, `https://127.0.0.1:${cli.port}/chat`)
    t.equal(response.body, `This port speaks HTTPS only: use https://127.0.0.1:${cli.port}/chat instead.\n`)
    t.equal((await httpsGet(`${cli.url}healthz`, { ca: ca.cert })).status, 200, 'and HTTPS goes on working')
    // More header lines than Node keeps: refused over HTTPS as over HTTP, before the whitelist.
    const piled = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${'A: 1\r\n'.repeat(999)}X-Forwarded-For: 127.0.0.9\r\n\r\n`
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ port: cli.port, host: '127.0.0.1', ca: ca.cert, servername: 'localhost' }, () => socket.end(piled))
      let text = ''
      socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    t.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
    const plain = await request(`http://127.0.0.1:${cli.port}/chat`, { headers: { Host: `127.0.0.1:${cli.port}`, ...Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`a${i}`, '1'])) } })
    t.equal(plain.status, 307, 'plain HTTP with as many lines is only redirected')
  })
})
