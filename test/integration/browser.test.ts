/**
 * What a person with a browser meets, in Debian's Chromium driven by playwright-core: the password
 * prompt of Basic auth, the DNS-rebinding guard (a foreign name mapped to this server by the
 * browser's own resolver), and an http:// address typed for the HTTPS port. Every name the browser
 * looks up resolves to loopback or to nothing, so no traffic leaves the machine.
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

async function launch (t: Test, extraFlags: readonly string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...FLAGS, `--host-resolver-rules=MAP ${FOREIGN} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1`, ...extraFlags]
  })
  t.teardown(() => browser.close())
  return browser
}

async function visit (browser: Browser, url: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext(options)
  try {
    const page = await context.newPage()
    const response = await page.goto(url)
    return { status: response?.status(), url: page.url(), text: await page.innerText('body') }
  } finally {
    await context.close()
  }
}

t.test('Basic auth: the browser is asked for a password and gets in with the right one', { skip: noBrowser }, async (t) => {
  const dir = t.testdir({ 'config.yaml': 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: "s3cret: ✓"\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(() => { cli.child.kill() })
  const browser = await launch(t)

  // Without credentials the browser shows its password prompt, which a headless one dismisses.
  await t.rejects(visit(browser, cli.url), /ERR_INVALID_AUTH_CREDENTIALS/, 'no credentials: the prompt')

  const wrong = await visit(browser, cli.url, { httpCredentials: { username: 'me', password: 'guess' } })
  t.equal(wrong.status, 401, 'a wrong password: the page says where the password is set')
  t.match(wrong.text, 'basicAuthUser.username and basicAuthUser.password in config.yaml')

  const right = await visit(browser, cli.url, { httpCredentials: { username: 'me', password: 's3cret: ✓' } })
  t.equal(right.status, 200, 'a password with a colon and a non-ASCII character')
  t.match(right.text, 'tavern-server')
})

t.test('DNS rebinding: a page reached by a foreign name is refused, by this computer\'s names served', { skip: noBrowser }, async (t) => {
  const dir = t.testdir({})
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(() => { cli.child.kill() })
  const browser = await launch(t)

  const foreign = await visit(browser, `http://${FOREIGN}:${cli.port}/`)
  t.equal(foreign.status, 403)
  t.match(foreign.text, `the host name "${FOREIGN}" is not allowed, to protect against DNS rebinding`)
  t.match(foreign.text, 'add it to hostWhitelist.hosts in')
  await cli.waitForErr(/Forbidden: request for host "rebind\.test" from 127\.0\.0\.1/)

  for (const host of ['localhost', '127.0.0.1']) {
    t.equal((await visit(browser, `http://${host}:${cli.port}/`)).status, 200, host)
  }
})

t.test('a name added to hostWhitelist.hosts is served', { skip: noBrowser }, async (t) => {
  const dir = t.testdir({ 'config.yaml': `hostWhitelist:\n  enabled: true\n  hosts: ['${FOREIGN}']\n` })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(() => { cli.child.kill() })
  const browser = await launch(t)
  t.equal((await visit(browser, `http://${FOREIGN}:${cli.port}/`)).status, 200)
})

t.test('http:// typed for the HTTPS port lands on the https:// page', { skip: noBrowser }, async (t) => {
  const leaf = await issue(await makeCa())
  const dir = t.testdir({ certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } })
  const cli = await startCli(['--ssl', '--port', '0'], { cwd: dir })
  t.teardown(() => { cli.child.kill() })
  // The browser trusts exactly this server's key (its SPKI pinned), not any certificate.
  const spki = createHash('sha256').update(new X509Certificate(leaf.cert).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')
  const browser = await launch(t, [`--ignore-certificate-errors-spki-list=${spki}`])

  const landed = await visit(browser, `http://127.0.0.1:${cli.port}/`)
  t.equal(landed.url, `https://127.0.0.1:${cli.port}/`)
  t.equal(landed.status, 200)
  t.match(landed.text, 'tavern-server')

  const stranger = await launch(t)
  await t.rejects(visit(stranger, cli.url), /ERR_CERT_AUTHORITY_INVALID/, 'without the pin, the test CA is not trusted')
})
