/**
 * What a person with a browser meets, in Debian's Chromium driven by playwright-core: the password
 * prompt of Basic auth, the DNS-rebinding guard (a foreign name mapped to this server by the
 * browser's own resolver), and an http:// address typed for the HTTPS port. Every name the browser
 * looks up resolves to loopback or to nothing, so no traffic leaves the machine. One browser serves
 * every test (each visit in a fresh context); it trusts the HTTPS test server's key alone.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import t from 'tap'
import type { Test } from 'tap'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContextOptions } from 'playwright-core'
import { startCli } from '../helpers/cli.js'
import { issue, makeCa } from '../helpers/pki.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
/** A name an attacker's DNS would point at the victim's server. */
const FOREIGN = 'rebind.test'

const noBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`

/** The HTTPS server's certificate, made first: the one browser of this file trusts exactly its key. */
const ca = await makeCa()
const leaf = await issue(ca)
// The browser trusts exactly this server's key (its SPKI pinned), not any certificate of the CA.
const spki = createHash('sha256').update(new X509Certificate(leaf.cert).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')

/** One Chromium for every test here, started at the first use (a start costs seconds of CPU). */
let shared: Promise<Browser> | undefined
function browser (): Promise<Browser> {
  if (shared === undefined) {
    shared = chromium.launch({
      executablePath: CHROMIUM,
      args: [...FLAGS, `--host-resolver-rules=MAP ${FOREIGN} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`]
    })
    const launched = shared
    t.teardown(async () => { await (await launched).close() })
  }
  return shared
}

async function serve (t: Test, args: readonly string[], contents: Parameters<Test['testdir']>[0] = {}) {
  const dir = t.testdir(contents)
  const cli = await startCli(args, { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  return cli
}

/** Each visit in its own browser context: no cookies, credentials or cache carried over. */
async function visit (url: string, options: BrowserContextOptions = {}) {
  const context = await (await browser()).newContext(options)
  try {
    const page = await context.newPage()
    const response = await page.goto(url)
    return { status: response?.status(), url: page.url(), text: await page.innerText('body') }
  } finally {
    await context.close()
  }
}

const ME = { username: 'me', password: 's3cret: ✓' }

t.test('Basic auth: the browser is asked for a password and gets in with the right one; a name added to hostWhitelist.hosts is served', { skip: noBrowser }, async (t) => {
  // One server for both: Basic auth, and the host check with the foreign name allowed.
  const cli = await serve(t, ['--port', '0'], { 'config.yaml': `basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: "s3cret: ✓"\nhostWhitelist:\n  enabled: true\n  hosts: ['${FOREIGN}']\n` })

  // Without credentials the browser shows its password prompt, which a headless one dismisses.
  await t.rejects(visit(cli.url), /ERR_INVALID_AUTH_CREDENTIALS/, 'no credentials: the prompt')

  const wrong = await visit(cli.url, { httpCredentials: { username: 'me', password: 'guess' } })
  t.equal(wrong.status, 401, 'a wrong password: the page says where the password is set')
  t.match(wrong.text, 'basicAuthUser.username and basicAuthUser.password in config.yaml')

  const right = await visit(cli.url, { httpCredentials: ME })
  t.equal(right.status, 200, 'a password with a colon and a non-ASCII character')
  t.match(right.text, 'tavern-server')

  t.equal((await visit(`http://${FOREIGN}:${cli.port}/`, { httpCredentials: ME })).status, 200, 'the name in hostWhitelist.hosts')
})

t.test('DNS rebinding: a page reached by a foreign name is refused, by this computer\'s names served', { skip: noBrowser }, async (t) => {
  const cli = await serve(t, ['--port', '0'])

  const foreign = await visit(`http://${FOREIGN}:${cli.port}/`)
  t.equal(foreign.status, 403)
  t.match(foreign.text, `the host name "${FOREIGN}" is not allowed, to protect against DNS rebinding`)
  t.match(foreign.text, 'add it to hostWhitelist.hosts in')
  await cli.waitForErr(/Forbidden: request for host "rebind\.test" from 127\.0\.0\.1/)

  for (const host of ['localhost', '127.0.0.1']) {
    t.equal((await visit(`http://${host}:${cli.port}/`)).status, 200, host)
  }
})

t.test('http:// typed for the HTTPS port lands on the https:// page', { skip: noBrowser }, async (t) => {
  const cli = await serve(t, ['--ssl', '--port', '0'], { certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } })

  const landed = await visit(`http://127.0.0.1:${cli.port}/`)
  t.equal(landed.url, `https://127.0.0.1:${cli.port}/`)
  t.equal(landed.status, 200)
  t.match(landed.text, 'tavern-server')

  // Another key from the same CA, not pinned: the browser does not trust the CA itself.
  const other = await issue(ca)
  const stranger = await serve(t, ['--ssl', '--port', '0'], { certs: { 'cert.pem': other.cert, 'privkey.pem': other.key } })
  await t.rejects(visit(stranger.url), /ERR_CERT_AUTHORITY_INVALID/, 'without the pin, the test CA is not trusted')
})
