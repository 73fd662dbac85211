/**
 * The whole point, end to end: a phone on the LAN opens SillyTavern through tavern-server. Two
 * network namespaces joined by a veth pair stand for the computer and the phone. On the computer:
 * the real SillyTavern as it ships (loopback only, its default config) and tavern-server
 * listening on the LAN address with a whitelist and Basic auth. On the phone: Chromium at a
 * phone's viewport, started inside the phone's namespace through a small wrapper script.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dump } from 'js-yaml'
import { chromium } from 'playwright-core'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { createNetns, link, netnsUnavailable, nsGet } from '../helpers/netns.js'
import { startSillyTavern } from '../helpers/sillytavern.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const COMPUTER = '10.213.77.1'
const PHONE = '10.213.77.20'

const skip = existsSync(CHROMIUM) ? netnsUnavailable() ?? false : `${CHROMIUM} is not installed (apt-get install chromium)`

t.test('a phone on the LAN opens SillyTavern through the gate: its message box is there and no request fails', { skip }, async (t) => {
  const computer = createNetns(t.teardown.bind(t))
  const phone = createNetns(t.teardown.bind(t))
  link(computer, `${COMPUTER}/24`, phone, `${PHONE}/24`)
  const dir = t.testdir({ st: {}, gate: {} })

  const st = await startSillyTavern(t, join(dir, 'st'), { prefix: computer.prefix })
  writeFileSync(join(dir, 'gate', 'config.yaml'), dump({
    listen: true,
    listenAddress: { ipv4: COMPUTER },
    whitelist: [PHONE],
    basicAuthMode: true,
    basicAuthUser: { username: 'me', password: 'on my phone' },
    app: { upstream: st.url }
  }))
  const gate = await startCli(['--port', '8000'], { cwd: join(dir, 'gate'), prefix: computer.prefix })
  t.teardown(async () => { gate.child.kill(); await gate.exited })
  const url = `http://${COMPUTER}:8000/`
  t.equal(nsGet(phone, url).status, 401, 'from the phone without the password: 401')
  t.equal(nsGet(computer, url, '-u', 'me:on my phone').status, 403, 'an address off the whitelist: 403, password or not')

  // Chromium in the phone's namespace: Playwright talks to it over a pipe, which crosses namespaces.
  const wrapper = join(dir, 'chromium-on-the-phone')
  writeFileSync(wrapper, `#!/bin/sh\nexec ${phone.prefix.join(' ')} ${CHROMIUM} "$@"\n`)
  chmodSync(wrapper, 0o755)
  const browser = await chromium.launch({ executablePath: wrapper, args: FLAGS })
  t.teardown(() => browser.close())
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
    httpCredentials: { username: 'me', password: 'on my phone' }
  })
  const page = await context.newPage()
  const failures: string[] = []
  page.on('requestfailed', (request) => failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`))
  page.on('response', (response) => {
    // SillyTavern asks AI Horde, on the internet, for its status and models at start; the test
    // network has no internet, so SillyTavern itself answers those 500 (the gate answers its own
    // failures 502 or 504, never 500).
    if (response.status() === 500 && new URL(response.url()).pathname.startsWith('/api/horde/')) return
    if (response.status() >= 400) failures.push(`${response.request().method()} ${response.url()}: ${response.status()}`)
  })
  const first = await page.goto(url)
  t.equal(first?.status(), 200)
  const box = page.locator('#send_textarea')
  await box.waitFor({ state: 'visible', timeout: 40_000 })
  await page.waitForLoadState('networkidle')
  // SillyTavern's first visit asks for a persona name, as it would on any phone: answer it.
  await page.locator('dialog[open]').getByText('Save', { exact: true }).click()
  await box.click()
  await box.pressSequentially('Hello from the phone')
  t.equal(await box.inputValue(), 'Hello from the phone', 'the message box takes text')
  const width = await page.evaluate('document.documentElement.clientWidth')
  t.equal(width, 390, 'laid out at the phone\'s width')
  await page.waitForLoadState('networkidle')
  t.same(failures, [], 'no request failed')
  t.match(gate.out(), `New connection from ${PHONE}`)
  t.notMatch(st.output(), /Blocked connection/, 'SillyTavern\'s own whitelist admitted every request')
})
