import t from 'tap'
import { addAccount } from '../../src/accounts/account-changes.js'
import { deviceName, when } from '../../src/server/account-pages.js'
import { html } from '../../src/server/page-layout.js'
import { accountsApp, form, logIn, PASSWORD, sessionCookie } from '../helpers/accounts.js'

type Tap = Parameters<typeof accountsApp>[0]
const P = '/_tavern'

/** The token of a page's forms. */
function tokenOf (page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string
}

async function setup (t: Tap, overrides: Record<string, unknown> = {}, options: Parameters<typeof accountsApp>[2] = {}) {
  const made = await accountsApp(t, overrides, options)
  const { app } = made
  const get = (url: string, cookie?: string) => app.inject({ url: `${P}${url}`, headers: cookie === undefined ? {} : { cookie } })
  const post = (url: string, fields: Record<string, string>, cookie?: string, extra: Record<string, string> = {}) => {
    const body = form(fields)
    return app.inject({ method: 'POST', url: `${P}${url}`, headers: { ...body.headers, ...(cookie === undefined ? {} : { cookie }), ...extra }, payload: body.payload })
  }
  return { ...made, get, post }
}

t.test('pages are plain HTML for a phone, with strict headers and no scripts', async (t) => {
  const { get } = await setup(t)
  const page = await get('/login')
  t.equal(page.statusCode, 200)
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
  t.match(page.body, '<meta name="viewport" content="width=device-width, initial-scale=1">')
  t.notMatch(page.body, /<script|src="http|href="http/)
  t.match(page.headers['content-security-policy'], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/)
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal(page.headers['cache-control'], 'no-store')
  t.equal(page.headers['referrer-policy'], 'same-origin')
  const { createHash } = await import('node:crypto')
  const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] as string
  t.match(page.headers['content-security-policy'], `'sha256-${createHash('sha256').update(style).digest('base64')}'`, 'the policy allows exactly the page\'s style sheet')
})

t.test('the login page lists the accounts, unless discreet; a pick fills the handle', async (t) => {
  const { get } = await setup(t)
  const page = (await get('/login?next=%2Fchat')).body
  t.match(page, '<a href="?handle=alice&amp;next=%2Fchat">Alice <span class="muted">&nbsp;alice</span></a>')
  t.match(page, '<input type="hidden" name="next" value="/chat">')
  t.match((await get('/login?handle=alice')).body, /name="handle" value="alice"[^>]*required>/)
  const discreet = await setup(t, { enableDiscreetLogin: true })
  t.notMatch((await discreet.get('/login')).body, /alice/)
  t.match((await get('/login?next=https%3A%2F%2Fevil.example')).body, '<input type="hidden" name="next" value="/">')
})

t.test('logging in with the form: back where the browser was going; one message for wrong or unknown', async (t) => {
  const { post } = await setup(t)
  const wrong = await post('/login', { handle: 'alice', password: 'nope', next: '/chat' })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.body, '<p class="msg error" role="alert">Wrong user name or password.</p>')
  t.match(wrong.body, 'name="handle" value="alice"', 'the handle stays filled in')
  t.equal((await post('/login', { handle: 'nobody', password: 'nope' })).body.includes('Wrong user name or password.'), true)
  const ok = await post('/login', { handle: 'alice', password: PASSWORD, next: '/chat?id=1' })
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/chat?id=1')
  t.ok(sessionCookie(ok))
  t.equal((await post('/login', { handle: 'alice', password: PASSWORD, next: '//evil.example' })).headers.location, '/')
  t.equal((await post('/login', {})).statusCode, 401, 'an empty form is a wrong login')
})

t.test('too many failed logins: the page says how long to wait', async (t) => {
  const { post } = await setup(t)
  for (let i = 0; i < 5; i++) await post('/login', { handle: 'alice', password: `guess${i}` })
  const locked = await post('/login', { handle: 'alice', password: PASSWORD })
  t.equal(locked.statusCode, 429)
  t.equal(locked.headers['retry-after'], '60')
  t.match(locked.body, 'Too many failed logins from your address. Try again in 60 seconds.')
})

t.test('a logged-in browser sees who it is on the login page', async (t) => {
  const { get, app } = await setup(t)
  const cookie = await logIn(app, 'alice')
  t.match((await get('/login', cookie)).body, /You are logged in as <strong>alice<\/strong>/)
  const home = await app.inject({ url: `${P}/`, headers: { cookie } })
  t.equal(home.headers.location, `${P}/account`)
})

t.test('the home page (no app behind the gate) says who is logged in, with the account page and logging out', async (t) => {
  const { app } = await setup(t)
  const cookie = await logIn(app, 'alice')
  const home = await app.inject({ url: '/', headers: { cookie, accept: 'text/html' } })
  t.equal(home.statusCode, 200)
  t.match(home.body, '<p>You are logged in as <strong>alice</strong>.</p>')
  t.match(home.body, `<a href="${P}/account">Your account</a>`)
  const logout = /<form method="post" action="([^"]+)"><button type="submit">Log out<\/button><\/form>/.exec(home.body)
  t.equal(logout?.[1], `${P}/logout`, 'a form, since logging out changes something')
  // The browser posts the form from this very page.
  const out = await app.inject({ method: 'POST', url: logout?.[1] as string, headers: { cookie, 'sec-fetch-site': 'same-origin' } })
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, `${P}/login`)
  t.equal((await app.inject({ url: '/', headers: { cookie, accept: 'text/html' } })).statusCode, 302, 'logged out: the home page asks for a login')

  const perUser = await setup(t, { basicAuthMode: true, perUserBasicAuth: true })
  const basic = `Basic ${Buffer.from(`bob:${PASSWORD}`).toString('base64')}`
  const page = (await perUser.app.inject({ url: '/', headers: { authorization: basic } })).body
  t.match(page, '<p>You are logged in as <strong>bob</strong>.</p>\n<p><a href="/_tavern/account">Your account</a></p>')
  t.notMatch(page, 'Log out', 'per-user Basic auth has no session to end: the browser keeps the password')
})

t.test('the account page: change the password, see and end sessions, log out', async (t) => {
  const { get, post, app } = await setup(t)
  const cookie = await logIn(app, 'alice')
  const other = await logIn(app, 'alice')
  const page = await get('/account', cookie)
  t.equal(page.statusCode, 200)
  t.match(page.body, '<h1>Alice</h1>')
  t.match(page.body, '<span class="tag">this device</span>')
  t.notMatch(page.body, 'Admin</a>', 'no admin link for a user')
  const token = tokenOf(page.body)

  t.equal((await post('/account/sessions/end-others', {}, cookie)).statusCode, 403, 'a form without the token is refused')
  const differ = await post('/account/password', { _csrf: token, current: PASSWORD, password: 'a', confirm: 'b' }, cookie)
  t.equal(differ.statusCode, 400)
  t.match(differ.body, 'The two new passwords differ.')
  const wrong = await post('/account/password', { _csrf: token, current: 'nope', password: 'new pw', confirm: 'new pw' }, cookie)
  t.equal(wrong.statusCode, 403)
  t.match(wrong.body, 'The current password is wrong.')
  const changed = await post('/account/password', { _csrf: token, current: PASSWORD, password: 'new pw', confirm: 'new pw' }, cookie)
  t.equal(changed.statusCode, 303)
  t.equal(changed.headers.location, `${P}/account?done=password`)
  t.match((await get('/account?done=password', cookie)).body, 'Your password is changed. Your other sessions have ended.')
  t.equal((await get('/account', other)).statusCode, 401, 'the other session ended')

  const third = await logIn(app, 'alice', 'new pw')
  const ref = /name="session" value="([^"]+)"/.exec((await get('/account', cookie)).body)?.[1] as string
  t.equal((await post('/account/sessions/end', { _csrf: token, session: ref }, cookie)).headers.location, `${P}/account?done=ended`)
  t.match((await get('/account?done=ended', cookie)).body, 'The session has ended.')
  t.equal((await get('/account', third)).statusCode, 401)
  t.equal((await post('/account/sessions/end', { _csrf: token, session: ref }, cookie)).statusCode, 404, 'ended already')
  const fourth = await logIn(app, 'alice', 'new pw')
  t.equal((await post('/account/sessions/end-others', { _csrf: token }, cookie)).headers.location, `${P}/account?done=ended-others`)
  t.match((await get('/account?done=ended-others', cookie)).body, 'Your other sessions have ended.')
  t.notMatch((await get('/account?done=nonsense', cookie)).body, 'class="msg ok"', 'an unknown confirmation says nothing')
  t.equal((await get('/account', fourth)).statusCode, 401)

  const mine = /this device[\s\S]*?/.test((await get('/account', cookie)).body)
  t.ok(mine)
  const out = await post('/logout', {}, cookie)
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, `${P}/login`)
  t.match(out.headers['set-cookie'], /Max-Age=0/)
  t.equal((await get('/account', cookie)).statusCode, 401)
})

t.test('ending this very session from the list logs out', async (t) => {
  const { app, accounts, post } = await setup(t)
  const cookie = await logIn(app, 'alice')
  const page = await app.inject({ url: `${P}/account`, headers: { cookie } })
  const ref = accounts!.sessions.list('alice')[0]!.ref
  const ended = await post('/account/sessions/end', { _csrf: tokenOf(page.body), session: ref }, cookie)
  t.equal(ended.headers.location, `${P}/login`)
})

t.test('the admin page: only for admins; create, disable, enable, promote, demote, reset, remove', async (t) => {
  const { get, post, app, accounts } = await setup(t)
  const alice = await logIn(app, 'alice')
  const refused = await get('/admin', alice)
  t.equal(refused.statusCode, 403)
  t.match(refused.body, 'Only admins may do this.')
  const admin = await logIn(app, 'admin')
  const page = await get('/admin', admin)
  t.equal(page.statusCode, 200)
  t.match(page.body, '<h2>Accounts (3)</h2>')
  t.match(page.body, /<strong>Admin<\/strong> <code>admin<\/code><span class="tag">admin<\/span><span class="tag">you<\/span>/)
  const token = tokenOf(page.body)

  const bad = await post('/admin/accounts', { _csrf: token, handle: 'Carol!', name: 'Carol', admin: 'on' }, admin)
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'The handle &quot;Carol!&quot; cannot be used')
  t.match(bad.body, 'value="Carol!"', 'the form keeps what was typed')
  t.match(bad.body, 'name="admin" checked')
  const made = await post('/admin/accounts', { _csrf: token, handle: 'carol', name: 'Carol', password: 'carol pw' }, admin)
  t.equal(made.headers.location, `${P}/admin?done=created&h=carol`)
  t.match((await get('/admin?done=created&h=carol', admin)).body, 'Account carol created.')
  t.equal((await post('/login', { handle: 'carol', password: 'carol pw' })).statusCode, 303)

  for (const [action, done] of [['disable', 'carol is disabled'], ['enable', 'carol is enabled'], ['promote', 'carol is an admin now'], ['demote', 'carol is no longer an admin'], ['password', 'The password of carol is changed']] as const) {
    const response = await post(`/admin/accounts/carol/${action}`, { _csrf: token, password: 'reset pw' }, admin)
    t.equal(response.statusCode, 303, action)
    t.match((await app.inject({ url: response.headers.location as string, headers: { cookie: admin } })).body, done)
  }
  t.equal(accounts!.store.get('carol')?.enabled, true)
  t.equal((await post('/login', { handle: 'carol', password: 'reset pw' })).statusCode, 303)
  const self = await post('/admin/accounts/admin/disable', { _csrf: token }, admin)
  t.equal(self.statusCode, 400)
  t.match(self.body, 'You cannot disable your own account here')
  const unknown = await post('/admin/accounts/nobody/remove', { _csrf: token }, admin)
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'There is no account with the handle &quot;nobody&quot;.')
  t.equal((await post('/admin/accounts/carol/remove', { _csrf: token }, admin)).headers.location, `${P}/admin?done=remove&h=carol`)
  t.match((await get('/admin?done=remove&h=carol', admin)).body, 'carol is removed.')
  t.equal(accounts!.store.get('carol'), undefined)
  t.equal((await post('/admin/accounts/bob/password', { _csrf: token, password: '' }, admin)).statusCode, 400)
})

t.test('an admin without a password: the server\'s own browser sets it; others are told how', async (t) => {
  const { get, post, app, accounts } = await setup(t, { whitelistMode: false })
  await accounts!.store.update((d) => addAccount(d, { handle: 'root', password: '', admin: true }, 3))
  const local = (await app.inject({ url: `${P}/login`, headers: { host: '127.0.0.1:8000' } })).body
  t.match(local, '<h2>Set the first password of root</h2>')
  const remote = (await app.inject({ url: `${P}/login`, remoteAddress: '10.0.0.5' })).body
  t.notMatch(remote, 'Set the first password')
  t.match(remote, 'The admin account <code>root</code> has no password yet')
  t.match(remote, 'tavern-server users passwd root')
  const discreet = await setup(t, { whitelistMode: false, enableDiscreetLogin: true })
  await discreet.accounts!.store.update((d) => addAccount(d, { handle: 'root', password: '', admin: true }, 3))
  const hidden = (await discreet.app.inject({ url: `${P}/login`, remoteAddress: '10.0.0.5' })).body
  t.match(hidden, 'An admin account has no password yet')
  t.notMatch(hidden, /<code>root|value="root"/)

  const differ = await post('/first-password', { handle: 'root', password: 'a', confirm: 'b' }, undefined, { host: '127.0.0.1:8000' })
  t.equal(differ.statusCode, 400)
  const far = await app.inject({ method: 'POST', url: `${P}/first-password`, remoteAddress: '10.0.0.5', ...form({ handle: 'root', password: 'a', confirm: 'a' }) })
  t.equal(far.statusCode, 403)
  const set = await post('/first-password', { handle: 'root', password: 'first pw', confirm: 'first pw', next: '/chat' }, undefined, { host: '127.0.0.1:8000' })
  t.equal(set.statusCode, 303)
  t.equal(set.headers.location, '/chat')
  t.equal((await get('/account', sessionCookie(set))).statusCode, 200)
  t.notMatch((await get('/login')).body, 'Set the first password')
})

t.test('errors outside the forms are pages too: no such page, a body too large', async (t) => {
  const { app } = await setup(t)
  const cookie = await logIn(app, 'alice')
  const missing = await app.inject({ url: `${P}/nothing`, headers: { cookie } })
  t.equal(missing.statusCode, 404)
  t.match(missing.body, '<h1>Error 404</h1>')
  const large = await app.inject({ method: 'POST', url: `${P}/login`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `handle=${'x'.repeat(20_000)}` })
  t.equal(large.statusCode, 413)
  t.match(large.body, 'The request is too large (at most 16 KiB).')
})

t.test('per-user Basic auth: no login page; the account page says how to log out', async (t) => {
  const { app } = await setup(t, { basicAuthMode: true, perUserBasicAuth: true })
  const headers = { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` }
  const page = await app.inject({ url: `${P}/account`, headers })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'per-user Basic auth')
  t.notMatch(page.body, 'Log out</button>')
  const token = tokenOf(page.body)
  const changed = await app.inject({ method: 'POST', url: `${P}/account/password`, headers: { ...headers, ...form({}).headers }, payload: form({ _csrf: token, current: PASSWORD, password: 'new pw', confirm: 'new pw' }).payload })
  t.equal(changed.statusCode, 303)
  t.equal((await app.inject({ url: `${P}/account`, headers })).statusCode, 401, 'the old password no longer logs in')
})

t.test('device names, times, and markup that escapes what it is given', async (t) => {
  const table: Array<[string, string]> = [
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'Safari on iPhone'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0', 'Edge on Windows'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    ['curl/8.5.0', 'curl/8.5.0'],
    ['x'.repeat(100), `${'x'.repeat(57)}...`],
    ['', 'an unknown device']
  ]
  for (const [agent, name] of table) t.equal(deviceName(agent), name)
  const now = Date.parse('2026-12-01T10:00:00Z')
  t.equal(when(now - 30_000, now), 'just now')
  t.equal(when(now - 60_000, now), '1 minute ago')
  t.equal(when(now - 5 * 60_000, now), '5 minutes ago')
  t.equal(when(now - 60 * 60_000, now), '1 hour ago')
  t.equal(when(now - 3 * 60 * 60_000, now), '3 hours ago')
  t.equal(when(now - 2 * 86_400_000, now), 'on 2026-11-29 10:00 UTC')
  t.equal(html`<p>${'<b>&"\''}</p>${[1, html`<i>`, undefined, false]}`.text, '<p>&lt;b&gt;&amp;&quot;&#39;</p>1<i>')
  t.equal(String(html`x`), 'x')
})
