/**
 * The account pages in a real browser on a phone-sized screen (Debian's Chromium through
 * playwright-core, emulating a Pixel 7): logging in, the wrong-password message, an admin
 * creating an account that then logs in from a second browser, disabling it, "end all other
 * sessions", logging out. The pages must fit the screen and have finger-sized buttons.
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import type { Test } from 'tap'
import { chromium, devices } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { writeAccounts } from '../helpers/accounts-file.js'
import { startCli } from '../helpers/cli.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const noBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`
const PHONE = devices['Pixel 7'] as (typeof devices)[string]

async function launch (t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.teardown(() => browser.close())
  return browser
}

async function phone (browser: Browser): Promise<{ context: BrowserContext, page: Page }> {
  const context = await browser.newContext({ ...PHONE })
  return { context, page: await context.newPage() }
}

/** The page fits the screen and its buttons and fields are big enough for a finger. */
async function usableOnAPhone (t: Test, page: Page, what: string): Promise<void> {
  // Runs in the page (this project's TypeScript has no DOM types): the width beyond the screen,
  // and the tap targets smaller than a finger (a checkbox's target is its whole label).
  const layout = await page.evaluate(`(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    small: [...document.querySelectorAll('button, input:not([type=hidden]):not([type=checkbox]), label.check, summary, .pick a')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ text: (e.textContent || e.name).trim(), height: e.getBoundingClientRect().height }))
      .filter((e) => e.height < 44)
  }))()`) as { overflow: number, small: Array<{ text: string, height: number }> }
  t.ok(layout.overflow <= 0, `${what}: no sideways scrolling (${layout.overflow} px too wide)`)
  t.same(layout.small, [], `${what}: every button and field is at least 44 px high`)
}

async function logIn (page: Page, url: string, handle: string, password: string): Promise<void> {
  await page.goto(`${url}_tavern/login`)
  await page.fill('#handle', handle)
  await page.fill('#password', password)
  await page.click('form[action="/_tavern/login"] button')
}

t.test('on a phone: log in, wrong password, an admin makes an account, disables it, ends other sessions, logs out', { skip: noBrowser }, async (t) => {
  const dir = t.testdir({ 'config.yaml': 'enableUserAccounts: true\nwhitelistDockerHosts: false\n' })
  await writeAccounts(dir, { admin: 'admin pw' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const browser = await launch(t)

  // The admin, on their phone, wants a page of the app and is sent to log in first.
  const { page: admin } = await phone(browser)
  await admin.goto(`${cli.url}chat?id=7`)
  t.equal(new URL(admin.url()).pathname, '/_tavern/login')
  await usableOnAPhone(t, admin, 'the login page')
  await admin.fill('#handle', 'admin')
  await admin.fill('#password', 'not it')
  await admin.click('form[action="/_tavern/login"] button')
  t.equal(await admin.textContent('[role=alert]'), 'Wrong user name or password.')
  await admin.fill('#password', 'admin pw')
  await admin.click('form[action="/_tavern/login"] button')
  t.equal(new URL(admin.url()).pathname + new URL(admin.url()).search, '/chat?id=7', 'back where it was going')

  // The admin page: a new account for Bea.
  await admin.goto(`${cli.url}_tavern/admin`)
  await usableOnAPhone(t, admin, 'the admin page')
  await admin.fill('#new-handle', 'bea')
  await admin.fill('#new-name', 'Bea')
  await admin.fill('#new-password', 'bea pw')
  await admin.click('form[action="/_tavern/admin/accounts"] button')
  t.equal(await admin.textContent('[role=status]'), 'Account bea created.')

  // Bea logs in on her own phone (a second browser context).
  const { page: bea } = await phone(browser)
  await logIn(bea, cli.url, 'bea', 'bea pw')
  await bea.goto(`${cli.url}_tavern/account`)
  t.equal(await bea.textContent('h1'), 'Bea')
  await usableOnAPhone(t, bea, 'the account page')

  // Disabling Bea ends her session.
  await admin.goto(`${cli.url}_tavern/admin`)
  await admin.click('form[action="/_tavern/admin/accounts/bea/disable"] button')
  t.match(await admin.textContent('[role=status]'), 'bea is disabled')
  await bea.reload()
  t.equal(new URL(bea.url()).pathname, '/_tavern/login', 'disabled: back to the login page')
  await admin.click('form[action="/_tavern/admin/accounts/bea/enable"] button')

  // Bea on two devices; "End all other sessions" on the second ends the first.
  await logIn(bea, cli.url, 'bea', 'bea pw')
  const { page: laptop } = await phone(browser)
  await logIn(laptop, cli.url, 'bea', 'bea pw')
  await laptop.goto(`${cli.url}_tavern/account`)
  t.equal(await laptop.locator('ul.list > li').count(), 2, 'two sessions listed')
  await laptop.click('text=End all other sessions')
  t.equal(await laptop.textContent('[role=status]'), 'Your other sessions have ended.')
  await bea.goto(`${cli.url}_tavern/account`)
  t.equal(new URL(bea.url()).pathname, '/_tavern/login', 'the other session has ended')

  // Logging out.
  await laptop.click('form[action="/_tavern/logout"] button')
  t.equal(new URL(laptop.url()).pathname, '/_tavern/login')
  await laptop.goto(`${cli.url}_tavern/account`)
  t.equal(new URL(laptop.url()).pathname, '/_tavern/login', 'logged out for good')
  t.equal((await laptop.context().cookies()).filter((c) => c.name.startsWith('tavern_session_')).length, 0, 'and the cookie is gone')
})
