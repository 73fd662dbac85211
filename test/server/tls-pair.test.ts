import { X509Certificate, createPrivateKey } from 'node:crypto'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { describePair, formatDate, pairWarnings, readTlsPair } from '../../src/server/tls-pair.js'
import type { SslConfig } from '../../src/server/tls-pair.js'
import { days, encryptKey, issue, makeCa } from '../helpers/pki.js'
import type { Leaf } from '../helpers/pki.js'

const USER = 'tester (uid 1000)'
const ca = await makeCa()
const good = await issue(ca)

function ssl (dir: string, overrides: Partial<SslConfig> = {}): SslConfig {
  return { enabled: true, certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem'), keyPassphrase: '', ...overrides }
}

function pairDir (t: Test, leaf: Pick<Leaf, 'cert' | 'key'>): string {
  return t.testdir({ 'cert.pem': leaf.cert, 'key.pem': leaf.key })
}

function failure (fn: () => unknown): { code: string, message: string } {
  try {
    fn()
  } catch (error) {
    return error as { code: string, message: string }
  }
  throw new Error('expected an error')
}

t.test('reads a certificate and its key, and decrypts nothing that is not encrypted', async (t) => {
  const dir = pairDir(t, good)
  const pair = readTlsPair(ssl(dir, { keyPassphrase: 'ignored for a plain key' }), USER, 'config.yaml')
  t.equal(pair.certificate.serialNumber, good.serial)
  t.equal(pair.cert.toString(), good.cert)
  t.match(pair.key, /^-----BEGIN PRIVATE KEY-----/)
  t.same(pairWarnings(pair, 'cert.pem'), [])
  t.equal(describePair(pair, 'cert.pem'), `cert.pem: valid until ${formatDate(pair.validTo)}, SHA-256 fingerprint ${new X509Certificate(good.cert).fingerprint256}`)
})

t.test('an encrypted key opens with its passphrase, in both PEM forms', async (t) => {
  for (const form of ['pkcs8', 'traditional'] as const) {
    const dir = pairDir(t, { cert: good.cert, key: encryptKey(good.key, 'correct horse', form) })
    const pair = readTlsPair(ssl(dir, { keyPassphrase: 'correct horse' }), USER, 'config.yaml')
    t.match(pair.key, /^-----BEGIN PRIVATE KEY-----/, `${form}: decrypted in memory`)
  }
})

t.test('names both files when neither exists, and suggests tavern-server cert', async (t) => {
  const dir = t.testdir({})
  const both = failure(() => readTlsPair(ssl(dir), USER, '/srv/config.yaml'))
  t.equal(both.code, 'TVS_ERR_TLS_MISSING')
  t.match(both.message, `HTTPS is on, but the certificate file ${join(dir, 'cert.pem')} and the key file ${join(dir, 'key.pem')} do not exist. Run tavern-server cert`)
  t.match(both.message, 'ssl.certPath and ssl.keyPath in /srv/config.yaml')
  const keyOnly = failure(() => readTlsPair(ssl(t.testdir({ 'cert.pem': good.cert })), USER, 'config.yaml'))
  t.match(keyOnly.message, /but the key file \S+key\.pem does not exist\./)
  const underAFile = failure(() => readTlsPair(ssl(dir, { certPath: join(pairDir(t, good), 'cert.pem', 'x') }), USER, 'config.yaml'))
  t.equal(underAFile.code, 'TVS_ERR_TLS_MISSING', 'a path through a file is missing too')
})

t.test('a file that cannot be read names the file and the reason', async (t) => {
  const dir = t.testdir({ 'key.pem': good.key, folder: {} })
  symlinkSync('loop', join(dir, 'loop'))
  const loop = failure(() => readTlsPair(ssl(dir, { certPath: join(dir, 'loop') }), USER, 'config.yaml'))
  t.equal(loop.code, 'TVS_ERR_TLS_UNREADABLE')
  t.match(loop.message, /ELOOP/)
})

t.test('a path that is a folder is a wrong path, not a permission problem: it says which files the folder holds', async (t) => {
  const dir = t.testdir({ 'key.pem': good.key, empty: {}, live: { 'fullchain.pem': good.cert, 'privkey.pem': good.key, README: '' } })
  const cert = failure(() => readTlsPair(ssl(dir, { certPath: join(dir, 'live') }), USER, 'config.yaml'))
  t.equal(cert.code, 'TVS_ERR_TLS_FOLDER')
  t.equal(cert.message, `The TLS certificate path ${join(dir, 'live')} is a folder, not a file. Set ssl.certPath (or --certPath) to the file itself; it holds fullchain.pem, privkey.pem.`)
  t.notMatch(cert.message, /mode|read access/, 'no advice about file modes')
  const key = failure(() => readTlsPair(ssl(dir, { certPath: join(dir, 'live', 'fullchain.pem'), keyPath: join(dir, 'empty') }), USER, 'config.yaml'))
  t.equal(key.message, `The TLS key path ${join(dir, 'empty')} is a folder, not a file. Set ssl.keyPath (or --keyPath) to the file itself.`)
})

t.test('files that are not PEM are refused, with a hint when the paths are swapped', async (t) => {
  const cases = [
    { cert: 'hello', key: good.key, code: 'TVS_ERR_TLS_BAD_CERT', message: /certificate file \S+ is not a PEM certificate\. Expected text starting with -----BEGIN CERTIFICATE-----/ },
    { cert: good.key, key: good.cert, code: 'TVS_ERR_TLS_BAD_CERT', message: /is not a PEM certificate \(it holds a private key: are the certificate and key paths swapped\?\)/ },
    { cert: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n', key: good.key, code: 'TVS_ERR_TLS_BAD_CERT', message: /is not a PEM certificate \(.+\)\./ },
    { cert: good.cert, key: 'hello', code: 'TVS_ERR_TLS_BAD_KEY', message: /key file \S+ is not a PEM private key\. Expected/ },
    { cert: good.cert, key: good.cert, code: 'TVS_ERR_TLS_BAD_KEY', message: /is not a PEM private key \(it holds a certificate: are the certificate and key paths swapped\?\)/ },
    { cert: good.cert, key: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', code: 'TVS_ERR_TLS_BAD_KEY', message: /is not a PEM private key \(.+\)\./ }
  ]
  for (const c of cases) {
    const error = failure(() => readTlsPair(ssl(pairDir(t, c)), USER, 'config.yaml'))
    t.equal(error.code, c.code)
    t.match(error.message, c.message)
  }
})

t.test('an encrypted key without a passphrase, or with a wrong one, says which', async (t) => {
  const dir = pairDir(t, { cert: good.cert, key: encryptKey(good.key, 'right') })
  const missing = failure(() => readTlsPair(ssl(dir), USER, 'config.yaml'))
  t.equal(missing.code, 'TVS_ERR_TLS_PASSPHRASE_MISSING')
  t.match(missing.message, /is encrypted and no passphrase was given\. Set the environment variable TAVERN_SSL_KEYPASSPHRASE/)
  const wrong = failure(() => readTlsPair(ssl(dir, { keyPassphrase: 'wrong' }), USER, 'config.yaml'))
  t.equal(wrong.code, 'TVS_ERR_TLS_PASSPHRASE_WRONG')
  t.match(wrong.message, `The passphrase for the TLS key ${join(dir, 'key.pem')} is wrong.`)
})

t.test('a wrong passphrase whose garbage passes the padding check is still a wrong passphrase', async (t) => {
  // About one wrong passphrase in 256 decrypts to bytes with valid padding that then fail to
  // decode; find one for this key, as OpenSSL itself reports it, and check what the user is told.
  const encrypted = encryptKey(good.key, 'right')
  const dir = pairDir(t, { cert: good.cert, key: encrypted })
  let passphrase = ''
  for (let i = 0; i < 20000 && passphrase === ''; i++) {
    try {
      createPrivateKey({ key: encrypted, format: 'pem', passphrase: `wrong-${i}` })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_OSSL_UNSUPPORTED') passphrase = `wrong-${i}`
    }
  }
  t.not(passphrase, '', 'a wrong passphrase that OpenSSL reports as undecodable was found')
  const wrong = failure(() => readTlsPair(ssl(dir, { keyPassphrase: passphrase }), USER, 'config.yaml'))
  t.equal(wrong.code, 'TVS_ERR_TLS_PASSPHRASE_WRONG')
  t.match(wrong.message, `The passphrase for the TLS key ${join(dir, 'key.pem')} is wrong.`)
})

t.test('a key that belongs to another certificate is refused', async (t) => {
  const other = await issue(ca)
  const error = failure(() => readTlsPair(ssl(pairDir(t, { cert: good.cert, key: other.key })), USER, 'config.yaml'))
  t.equal(error.code, 'TVS_ERR_TLS_KEY_MISMATCH')
  t.match(error.message, /The TLS key \S+key\.pem does not belong to the certificate \S+cert\.pem\./)
})

t.test('an expired certificate is refused with its date', async (t) => {
  const expired = await issue(ca, { notBefore: days(-30), notAfter: days(-1) })
  const error = failure(() => readTlsPair(ssl(pairDir(t, expired)), USER, 'config.yaml'))
  t.equal(error.code, 'TVS_ERR_TLS_EXPIRED')
  t.match(error.message, `expired on ${formatDate(new Date(new X509Certificate(expired.cert).validTo))}. Renew it`)
})

t.test('a key OpenSSL will not serve with is refused, naming both files', async (t) => {
  const weak = await issue(ca, { rsaBits: 512 })
  const error = failure(() => readTlsPair(ssl(pairDir(t, weak)), USER, 'config.yaml'))
  t.equal(error.code, 'TVS_ERR_TLS_REJECTED')
  t.match(error.message, /certificate \S+cert\.pem with the key \S+key\.pem cannot be used: .*too small/)
})

t.test('warns 14 days ahead of expiry, and about a certificate not valid yet', async (t) => {
  const soon = readTlsPair(ssl(pairDir(t, await issue(ca, { notBefore: days(-30), notAfter: days(5) }))), USER, 'config.yaml')
  t.same(pairWarnings(soon, 'cert.pem'), [
    `Warning: the TLS certificate cert.pem expires on ${formatDate(soon.validTo)}, in 4 days. Renew it (a self-signed one: tavern-server cert --force); the running server picks up the new files without a restart.`
  ])
  t.match(pairWarnings(soon, 'cert.pem', days(3.5)), [/, in 1 day\. /])
  t.match(pairWarnings(soon, 'cert.pem', days(4.9)), [/, in less than a day\. /])
  t.same(pairWarnings(soon, 'cert.pem', days(-10)), [], 'more than 14 days ahead')
  const future = readTlsPair(ssl(pairDir(t, await issue(ca, { notBefore: days(2) }))), USER, 'config.yaml')
  t.match(pairWarnings(future, 'cert.pem'), [/is not valid before .* UTC; browsers refuse it until then\. Check this computer's clock\./])
})

t.test('dates read the same everywhere', async (t) => {
  t.equal(formatDate(new Date('2026-12-01T09:30:59Z')), '2026-12-01 09:30 UTC')
})
