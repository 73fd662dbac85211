import { X509Certificate } from 'node:crypto'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { certificateNames } from '../../src/cli/commands/cert.js'
import { runCli } from '../../src/cli/run.js'
import { formatDate, readTlsPair } from '../../src/server/tls-pair.js'
import { captureIo, HOME_LAN, LOOPBACK_ONLY } from '../helpers/io.js'

const mode = (file: string): number => statSync(file).mode & 0o777

t.test('writes a certificate for this computer\'s names and LAN addresses, and its fingerprint', async (t) => {
  const dir = t.testdir({})
  const io = captureIo(dir, {}, HOME_LAN)
  t.same(await runCli(['cert'], io), { kind: 'exit', code: 0 })
  const certPath = join(dir, 'certs', 'cert.pem')
  const keyPath = join(dir, 'certs', 'privkey.pem')
  const certificate = new X509Certificate(readFileSync(certPath))
  t.equal(certificate.subjectAltName, 'DNS:localhost, DNS:tavern-test, DNS:tavern-test.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.20, IP Address:FD00:0:0:0:0:0:0:20')
  t.match(certificate.subject, 'CN=tavern-test')
  t.equal(certificate.ca, false, 'a server certificate, not an authority')
  t.ok(certificate.verify(certificate.publicKey), 'self-signed')
  const lifetime = new Date(certificate.validTo).getTime() - new Date(certificate.validFrom).getTime()
  t.equal(lifetime, 825 * 86_400_000, '825 days, the most Apple devices accept')
  t.equal(mode(keyPath), 0o600)
  t.equal(mode(join(dir, 'certs')), 0o700)
  t.match(io.out(), [
    `Created config.yaml with default values at ${join(dir, 'config.yaml')}`,
    `Wrote a self-signed certificate to ${certPath}`,
    `and its private key to ${keyPath} (mode 0600: only you can read it).`,
    'Valid for: localhost, tavern-test, tavern-test.local, 127.0.0.1, ::1, 192.168.1.20, fd00::20',
    `Valid until: ${formatDate(new Date(certificate.validTo))}`,
    `SHA-256 fingerprint: ${certificate.fingerprint256}`
  ].join('\n'))
  t.match(io.out(), `Turn HTTPS on: tavern-server --ssl, or ssl.enabled: true in ${join(dir, 'config.yaml')}.`)
  const config = { enabled: true, certPath, keyPath, keyPassphrase: '' }
  t.equal(readTlsPair(config, 'tester', 'config.yaml').certificate.fingerprint256, certificate.fingerprint256, 'the server accepts the pair')
})

t.test('refuses to replace a certificate or key without --force', async (t) => {
  const dir = t.testdir({ certs: { 'privkey.pem': 'old key' } })
  const io = captureIo(dir)
  t.same(await runCli(['cert'], io), { kind: 'exit', code: 1 })
  t.equal(io.err(), `${join(dir, 'certs', 'privkey.pem')} already exists. tavern-server cert does not replace an existing certificate or key; add --force to replace them (devices that accepted the old certificate will warn once more).\n`)
  t.equal(readFileSync(join(dir, 'certs', 'privkey.pem'), 'utf8'), 'old key')
  const both = captureIo(dir)
  writeFileSync(join(dir, 'certs', 'cert.pem'), 'old cert')
  t.same(await runCli(['cert'], both), { kind: 'exit', code: 1 })
  t.match(both.err(), /cert\.pem and \S+privkey\.pem already exist\./)
})

t.test('--force replaces both, and the key ends up 0600 whatever it was', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'ssl:\n  enabled: true\n', certs: { 'privkey.pem': 'old key', 'cert.pem': 'old cert' } })
  chmodSync(join(dir, 'certs', 'privkey.pem'), 0o644)
  const io = captureIo(dir)
  t.same(await runCli(['cert', '--force'], io), { kind: 'exit', code: 0 })
  t.equal(mode(join(dir, 'certs', 'privkey.pem')), 0o600)
  t.match(readFileSync(join(dir, 'certs', 'cert.pem'), 'utf8'), /^-----BEGIN CERTIFICATE-----/)
  t.match(io.out(), `HTTPS is on in ${join(dir, 'config.yaml')}; a running tavern-server picks up the new certificate by itself.`)
})

t.test('writes where the config and flags say, and encrypts the key with ssl.keyPassphrase', async (t) => {
  const dir = t.testdir({ site: { 'config.yaml': 'ssl:\n  keyPath: tls/site.key\n  enabeld: true\n' } })
  const io = captureIo(dir, { TAVERN_SSL_KEYPASSPHRASE: 'correct horse' })
  t.same(await runCli(['cert', '--configPath', 'site/config.yaml', '--certPath', 'here.crt'], io), { kind: 'exit', code: 0 })
  const keyPath = join(dir, 'site', 'tls', 'site.key')
  t.match(readFileSync(keyPath, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  t.match(io.out(), 'only you can read it, encrypted with ssl.keyPassphrase')
  t.match(io.err(), /unknown key ssl\.enabeld; did you mean ssl\.enabled\?/, 'config warnings are shown as the server shows them')
  const ssl = { enabled: true, certPath: join(dir, 'here.crt'), keyPath, keyPassphrase: 'correct horse' }
  t.ok(readTlsPair(ssl, 'tester', 'config.yaml'), 'the server opens it with the passphrase')
  t.throws(() => readTlsPair({ ...ssl, keyPassphrase: '' }, 'tester', 'config.yaml'), { code: 'TVS_ERR_TLS_PASSPHRASE_MISSING' })
})

t.test('a path that cannot be written is one clear error', async (t) => {
  const dir = t.testdir({ 'a-file': '' })
  const io = captureIo(dir)
  t.same(await runCli(['cert', '--keyPath', 'a-file/key.pem'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), new RegExp(`^Cannot write ${join(dir, 'a-file', 'key.pem')}: .*EEXIST.*\\. Make its folder writable, or choose other paths with --certPath and --keyPath`))
})

t.test('names: host names that are not valid DNS names are left out, link-local addresses too', async (t) => {
  t.same(certificateNames('My_PC', LOOPBACK_ONLY), { commonName: 'localhost', names: ['localhost', '127.0.0.1', '::1'] })
  t.same(certificateNames('Pc.Example.Org', HOME_LAN), {
    commonName: 'pc.example.org',
    names: ['localhost', 'pc.example.org', '127.0.0.1', '::1', '192.168.1.20', 'fd00::20']
  })
  t.same(certificateNames('localhost', { eth0: undefined }).names, ['localhost', '127.0.0.1', '::1'])
})

t.test('--help lists the command', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['--help'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), /cert \[options\]\s+make a self-signed HTTPS certificate/)
})
