import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { Lifecycle } from '../../src/server/lifecycle.js'
import { ServerSet } from '../../src/server/node-servers.js'
import { start } from '../../src/server/start.js'
import { openTls } from '../../src/server/tls.js'
import { testApp } from '../helpers/app.js'
import { makeConfig } from '../helpers/config.js'
import { handshake, httpsGet, keepAliveAgent } from '../helpers/https.js'
import { days, issue, makeCa } from '../helpers/pki.js'
import type { Leaf } from '../helpers/pki.js'

const ca = await makeCa()

/** Captured output with waits on lines: no sleeps. */
function output () {
  const text = { stdout: '', stderr: '' }
  const waiters: Array<{ stream: 'stdout' | 'stderr', pattern: RegExp, from: number, resolve: () => void }> = []
  const stream = (name: 'stdout' | 'stderr') => ({
    write (chunk: string) {
      text[name] += chunk
      for (const w of [...waiters]) {
        if (w.stream === name && w.pattern.test(text[name].slice(w.from))) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve()
        }
      }
      return true
    }
  })
  return {
    io: { stdout: stream('stdout'), stderr: stream('stderr') },
    text,
    /** Resolves when `pattern` appears in what is written from now on. */
    next: (name: 'stdout' | 'stderr', pattern: RegExp) =>
      new Promise<void>((resolve) => { waiters.push({ stream: name, pattern, from: text[name].length, resolve }) })
  }
}

function writePair (dir: string, leaf: Leaf): void {
  // As renewal tools do: written aside, then renamed into place.
  writeFileSync(join(dir, 'cert.new'), leaf.cert)
  writeFileSync(join(dir, 'key.new'), leaf.key)
  renameSync(join(dir, 'key.new'), join(dir, 'key.pem'))
  renameSync(join(dir, 'cert.new'), join(dir, 'cert.pem'))
}

async function serveTls (t: Test, leaf: Leaf, dir = t.testdir({ certs: {} })) {
  writePair(join(dir, 'certs'), leaf)
  const overrides = { ssl: { enabled: true, certPath: 'certs/cert.pem', keyPath: 'certs/key.pem' } }
  const out = output()
  const tls = openTls(makeConfig(overrides, dir), 'tester (uid 1000)', out.io)
  const servers = new ServerSet(tls.create)
  const { app, config } = await testApp(t, overrides, { dir, serverFactory: servers.factory })
  app.get('/protocol', async (request) => request.protocol)
  const started = await start(app, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  const lifecycle = new Lifecycle()
  t.teardown(async () => {
    await started.close(1000)
    await lifecycle.close()
  })
  const port = started.addresses[0]!.port
  return { dir, certs: join(dir, 'certs'), out, tls, servers, lifecycle, port, config }
}

t.test('serves HTTPS on every address, verified against the CA, and requests know they are secure', async (t) => {
  const leaf = await issue(ca)
  const { tls, servers, lifecycle, port, out, config } = await serveTls(t, leaf)
  tls.activate(servers, lifecycle)
  t.match(out.text.stdout, new RegExp(`^HTTPS certificate ${config.ssl.certPath}: valid until .* UTC, SHA-256 fingerprint [0-9A-F:]{95}\n$`))
  for (const host of ['127.0.0.1', '[::1]', 'localhost']) {
    const response = await httpsGet(`https://${host}:${port}/protocol`, { ca: ca.cert })
    t.equal(response.body, 'https', `${host}: a cookie setter can tell the connection is TLS`)
    t.equal(response.serial, leaf.serial)
  }
})

t.test('a certificate file with the chain (fullchain.pem) is served whole', async (t) => {
  const intermediate = await makeCa(ca)
  const leaf = await issue(intermediate)
  const { port } = await serveTls(t, { ...leaf, cert: leaf.cert + intermediate.cert })
  // The client trusts the root only: the intermediate must come from the server.
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert })).serial, leaf.serial)
})

t.test('offers TLS 1.2 and 1.3, never 1.1 or older', async (t) => {
  const { port } = await serveTls(t, await issue(ca))
  t.equal(await handshake(port, { ca: ca.cert, maxVersion: 'TLSv1.2' }), 'TLSv1.2')
  t.equal(await handshake(port, { ca: ca.cert }), 'TLSv1.3')
  await t.rejects(handshake(port, { ca: ca.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), /protocol version|no protocols available|unsupported protocol/i)
})

t.test('a client that trusts another CA is refused by its own check', async (t) => {
  const { port } = await serveTls(t, await issue(ca))
  const stranger = await makeCa()
  await t.rejects(httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: stranger.cert }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
})

t.test('reload (SIGHUP): new connections get the new certificate, a kept-alive one carries on', async (t) => {
  const first = await issue(ca)
  const { certs, tls, servers, lifecycle, port, out } = await serveTls(t, first)
  tls.activate(servers, lifecycle)
  const agent = keepAliveAgent(ca.cert)
  t.teardown(() => agent.destroy())
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert, agent })).serial, first.serial)

  const second = await issue(ca, { notAfter: days(10) })
  writePair(certs, second)
  await lifecycle.reload()
  t.match(out.text.stdout, /Reloaded the TLS certificate \S+cert\.pem: valid until .* UTC, SHA-256 fingerprint/)
  t.match(out.text.stderr, /Warning: the TLS certificate \S+cert\.pem expires on .*, in 9 days\./, 'the warning is repeated for the new pair')
  const kept = await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert, agent })
  t.same([kept.status, kept.reused, kept.serial], [200, true, first.serial], 'the open connection still works, on the old certificate')
  for (const host of ['127.0.0.1', '[::1]']) {
    t.equal((await httpsGet(`https://${host}:${port}/healthz`, { ca: ca.cert })).serial, second.serial, `a new connection to ${host} gets the new one`)
  }
})

t.test('replacing the files reloads by itself', async (t) => {
  const first = await issue(ca)
  const { certs, tls, servers, lifecycle, port, out } = await serveTls(t, first)
  tls.activate(servers, lifecycle)
  const second = await issue(ca)
  const reloaded = out.next('stdout', /Reloaded the TLS certificate/)
  writePair(certs, second)
  await reloaded
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert })).serial, second.serial)
})

t.test('a broken new pair is reported and the one in service stays', async (t) => {
  const first = await issue(ca)
  const { certs, tls, servers, lifecycle, port, out } = await serveTls(t, first)
  tls.activate(servers, lifecycle)
  const other = await issue(ca)
  const reported = out.next('stderr', /TLS certificate not reloaded/)
  // A new certificate with the old key: the key does not match.
  writeFileSync(join(certs, 'cert.new'), other.cert)
  renameSync(join(certs, 'cert.new'), join(certs, 'cert.pem'))
  await reported
  t.match(out.text.stderr, /^TLS certificate not reloaded, the one in service stays: The TLS key \S+key\.pem does not belong to the certificate \S+cert\.pem\./m)
  await lifecycle.reload()
  t.equal(out.text.stderr.match(/TLS certificate not reloaded/g)?.length, 2, 'SIGHUP says so too')
  t.notMatch(out.text.stdout, /Reloaded/)
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: ca.cert })).serial, first.serial)
})

t.test('when the certificate folder cannot be watched, SIGHUP is the way to reload', async (t) => {
  const { certs, tls, servers, lifecycle, out } = await serveTls(t, await issue(ca))
  rmSync(certs, { recursive: true })
  tls.activate(servers, lifecycle)
  t.match(out.text.stderr, /Warning: cannot watch \S+certs for certificate renewals \(ENOENT.*\); send SIGHUP to reload the certificate instead\./)
})
