/**
 * Security headers on tavern-server's own answers, from the real CLI: the home page, refusals,
 * /healthz and 404s carry them (HSTS only over TLS, and only when configured); the app's answers
 * and the static folder's carry none of them. The pages still work in Chromium under their policy.
 */
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import t from 'tap'
import type { Test } from 'tap'
import { chromium } from 'playwright-core'
import { runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import type { Response } from '../helpers/http.js'
import { httpsGet } from '../helpers/https.js'
import { issue, makeCa } from '../helpers/pki.js'
import { startUpstream } from '../helpers/upstream.js'

const CHROMIUM = '/usr/bin/chromium'
const noBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`
const HEADERS = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'strict-transport-security']
const ca = await makeCa()
const leaf = await issue(ca)

function ours (t: Test, response: Pick<Response, 'headers'>, what: string): void {
  t.match(response.headers['content-security-policy'], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/, what)
  t.equal(response.headers['x-frame-options'], 'DENY', what)
  t.equal(response.headers['x-content-type-options'], 'nosniff', what)
  t.equal(response.headers['referrer-policy'], 'same-origin', what)
}

function none (t: Test, response: Pick<Response, 'headers'>, what: string, except: readonly string[] = []): void {
  t.same(HEADERS.filter((name) => response.headers[name] !== undefined && !except.includes(name)), [], what)
}

t.test('the home page, a refusal, /healthz and a 404 carry the headers; no HSTS without TLS', async (t) => {
  const cli = await startCli(['--port', '0'], { cwd: t.testdir({ 'config.yaml': 'ssl:\n  hstsMaxAgeSeconds: 31536000\n' }) })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const answers: Array<[string, Response]> = [
    ['home page', await request(cli.url, { headers: { accept: 'text/html' } })],
    ['refusal', await request(cli.url, { localAddress: '127.0.0.2', headers: { accept: 'text/html' } })],
    ['health', await request(`${cli.url}healthz`)],
    ['not found', await request(`${cli.url}nothing`)]
  ]
  t.same(answers.map(([, r]) => r.status), [200, 403, 200, 404])
  for (const [what, response] of answers) {
    ours(t, response, what)
    t.equal(response.headers['strict-transport-security'], undefined, `${what}: no HSTS over plain HTTP`)
  }
})

t.test('the app\'s answers carry none of them, and its own pass untouched; the gate\'s refusal and our 404 in front of it do', async (t) => {
  const upstream = await startUpstream(t)
  upstream.routes.set('/framed', (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html', 'x-frame-options': 'SAMEORIGIN' })
    response.end('<p>app</p>')
  })
  const cli = await startCli(['--port', '0', '--upstream', upstream.url], { cwd: t.testdir({}) })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  none(t, await request(`${cli.url}echo`), 'a proxied answer')
  const framed = await request(`${cli.url}framed`)
  t.equal(framed.headers['x-frame-options'], 'SAMEORIGIN', 'the app\'s own header, untouched')
  none(t, framed, 'a proxied page', ['x-frame-options'])
  ours(t, await request(`${cli.url}echo`, { localAddress: '127.0.0.2' }), 'a refusal in front of the app')
  const reserved = await request(`${cli.url}_tavern/nothing`)
  t.equal(reserved.status, 404)
  ours(t, reserved, 'our "not found" page for a path of ours, in front of the app')
})

t.test('the static folder\'s files carry none of them; our 404 for a missing one does', async (t) => {
  const dir = t.testdir({ site: { 'index.html': '<p>site</p>' } })
  const cli = await startCli(['--port', '0', '--root', 'site'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const page = await request(cli.url)
  t.equal(page.body, '<p>site</p>')
  none(t, page, 'a file of the folder')
  const missing = await request(`${cli.url}missing.html`)
  t.equal(missing.status, 404)
  ours(t, missing, 'our "not found" page for a file the folder does not have')
})

t.test('over TLS with ssl.hstsMaxAgeSeconds, own answers carry HSTS and the app\'s do not', async (t) => {
  const upstream = await startUpstream(t)
  const dir = t.testdir({ 'config.yaml': 'ssl:\n  hstsMaxAgeSeconds: 31536000\n', tls: { 'server.crt': leaf.cert, 'server.key': leaf.key } })
  const cli = await startCli(['--ssl', '--certPath', 'tls/server.crt', '--keyPath', 'tls/server.key', '--port', '0', '--upstream', upstream.url], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const health = await httpsGet(`${cli.url}healthz`, { ca: ca.cert })
  t.equal(health.headers['strict-transport-security'], 'max-age=31536000')
  ours(t, health, 'health over TLS')
  none(t, await httpsGet(`${cli.url}echo`, { ca: ca.cert }), 'a proxied answer over TLS')
  // Our answer to a WebSocket upgrade when the app is down is written outside Fastify's reply.
  await upstream.close()
  const upgrade = httpsRequest(`${cli.url}socket`, { ca: ca.cert, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
  upgrade.end()
  const [refused] = await once(upgrade, 'response') as [IncomingMessage]
  refused.resume()
  t.equal(refused.statusCode, 502)
  t.equal(refused.headers['strict-transport-security'], 'max-age=31536000', 'a WebSocket to the app that is down: HSTS on our 502')
  ours(t, refused, 'a WebSocket to the app that is down')
})

t.test('in Chromium the pages work under their policy: styled, nothing refused, the forms submit', { skip: noBrowser }, async (t) => {
  const dir = t.testdir({ 'config.yaml': 'enableUserAccounts: true\n' })
  t.equal((await runToExit(['users', 'passwd', 'admin'], { cwd: dir, stdin: 'admin pw\n' })).code, 0)
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const refused: string[] = []
  page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) refused.push(message.text()) })
  await page.goto(`${cli.url}_tavern/login`)
  await page.fill('#handle', 'admin')
  await page.fill('#password', 'admin pw')
  await page.click('form[action="/_tavern/login"] button')
  t.equal(new URL(page.url()).pathname, '/', 'logged in, on the home page')
  t.match(await page.innerText('body'), 'You are logged in as admin.')
  t.equal(await page.evaluate('getComputedStyle(document.body).maxWidth'), '640px', 'the home page\'s style sheet applies')
  await page.click('text=Log out')
  t.equal(new URL(page.url()).pathname, '/_tavern/login', 'the log-out form submitted')
  t.not(await page.evaluate('getComputedStyle(document.body).margin'), '8px', 'the login page\'s style sheet applies')
  t.same(refused, [], 'the browser refused nothing')
})
