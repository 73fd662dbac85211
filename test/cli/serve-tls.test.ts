import t from 'tap'
import { runCli } from '../../src/cli/run.js'
import { httpsGet } from '../helpers/https.js'
import { captureIo } from '../helpers/io.js'
import { days, encryptKey, issue, makeCa } from '../helpers/pki.js'

const ca = await makeCa()
const leaf = await issue(ca)

t.test('with --ssl the server speaks HTTPS and says so', async (t) => {
  const io = captureIo(t.testdir({ certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } }))
  const outcome = await runCli(['--ssl', '--port', '0'], io)
  if (outcome.kind !== 'serving') throw new Error(io.err())
  t.teardown(() => outcome.server.close())
  const port = outcome.server.addresses[0]!.port
  t.match(io.out(), new RegExp(`\nHTTPS certificate .*\ntavern-server is listening on IPv4: 127\\.0\\.0\\.1:${port}\nOnly this computer can connect .*\nExposure: this computer only \\(127\\.0\\.0\\.1:${port}\\); HTTPS; .*\nGo to: https://127\\.0\\.0\\.1:${port}/\n$`))
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert })).serial, leaf.serial)
})

t.test('every certificate problem at start-up is a TVS_ERR_TLS_* error', async (t) => {
  const cases: Array<[string, Record<string, string>, Record<string, string>?]> = [
    ['TVS_ERR_TLS_MISSING', {}],
    ['TVS_ERR_TLS_BAD_CERT', { 'cert.pem': 'x', 'privkey.pem': leaf.key }],
    ['TVS_ERR_TLS_BAD_KEY', { 'cert.pem': leaf.cert, 'privkey.pem': 'x' }],
    ['TVS_ERR_TLS_PASSPHRASE_MISSING', { 'cert.pem': leaf.cert, 'privkey.pem': encryptKey(leaf.key, 'p') }],
    ['TVS_ERR_TLS_PASSPHRASE_WRONG', { 'cert.pem': leaf.cert, 'privkey.pem': encryptKey(leaf.key, 'p') }, { TAVERN_SSL_KEYPASSPHRASE: 'q' }],
    ['TVS_ERR_TLS_KEY_MISMATCH', { 'cert.pem': leaf.cert, 'privkey.pem': (await issue(ca)).key }],
    ['TVS_ERR_TLS_EXPIRED', await issue(ca, { notBefore: days(-9), notAfter: days(-1) }).then((l) => ({ 'cert.pem': l.cert, 'privkey.pem': l.key }))]
  ]
  for (const [code, files, env] of cases) {
    const io = captureIo(t.testdir({ certs: files }), env)
    t.same(await runCli(['--ssl', '--port', '0', '--debug'], io), { kind: 'exit', code: 1 }, code)
    t.equal(io.err().split('\n')[1], code)
    t.notMatch(io.out(), /listening/)
  }
})
