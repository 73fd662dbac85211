/**
 * The corners of the account routes: failures of the file system under them, races between two
 * requests, and how every kind of error becomes an answer.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { VerifierBusy } from '../../src/access/basic-auth.js'
import { addAccount, insertAccount } from '../../src/accounts/account-changes.js'
import { TVS_ERR_ACCOUNTS_LOCKED, TVS_ERR_ACCOUNT_UNKNOWN } from '../../src/errors.js'
import { describe, Refusal } from '../../src/server/account-routes.js'
import { accountsApp, form, logIn, PASSWORD } from '../helpers/accounts.js'

const API = '/_tavern/api'

t.test('every error becomes a status and a sentence; only a bug is a 500', async (t) => {
  t.same(describe(new Refusal(409, 'taken')), { status: 409, text: 'taken' })
  t.same(describe(new Refusal(429, 'wait', 5)), { status: 429, text: 'wait', retryAfter: 5 })
  t.match(describe(new VerifierBusy('x')), { status: 503, text: /Too many logins/, retryAfter: 1 })
  t.match(describe(new TVS_ERR_ACCOUNT_UNKNOWN('x')), { status: 404, text: 'There is no account with the handle "x".' })
  t.match(describe(new TVS_ERR_ACCOUNTS_LOCKED('12', 10, '/d/accounts.json.lock')), { status: 503, text: /process 12/, retryAfter: 1 })
  t.match(describe(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 })), { status: 400, text: 'The request is not valid: Body is not valid JSON.' })
  t.match(describe(new TypeError('x is undefined')), { status: 500, text: /Something went wrong on the server/ })
  t.match(describe(Object.assign(new Error('odd'), { statusCode: 502 })), { status: 500 })
})

t.test('a file where an account\'s folder should be: the account is made, and the log says why its folder is not', async (t) => {
  const { app, config, err } = await accountsApp(t)
  writeFileSync(join(config.dataRoot, 'carol'), 'in the way')
  const admin = await logIn(app, 'admin')
  const page = (await app.inject({ url: '/_tavern/admin', headers: { cookie: admin } })).body
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string
  const body = form({ _csrf: token, handle: 'carol', password: 'pw' })
  const response = await app.inject({ method: 'POST', url: '/_tavern/admin/accounts', headers: { ...body.headers, cookie: admin }, payload: body.payload })
  t.equal(response.statusCode, 303)
  t.match(err(), /Account "carol" was created, but its folder could not be made: .*carol exists and is not a folder/)
})

t.test('a change the accounts file refuses leaves the session and the password as they were', async (t) => {
  const { app, config } = await accountsApp(t)
  const cookie = await logIn(app, 'alice')
  const file = join(config.dataRoot, 'accounts.json')
  const { readFileSync } = await import('node:fs')
  const saved = readFileSync(file, 'utf8')
  rmSync(file)
  mkdirSync(file)
  const response = await app.inject({ method: 'POST', url: `${API}/me/password`, headers: { cookie }, payload: { currentPassword: PASSWORD, newPassword: 'new pw' } })
  t.equal(response.statusCode, 503)
  t.match(response.json(), { error: /The accounts file .* cannot be used: EISDIR/ })
  t.equal(response.headers['retry-after'], '1')
  rmSync(file, { recursive: true })
  writeFileSync(file, saved)
  t.equal((await app.inject({ url: `${API}/me`, headers: { cookie } })).statusCode, 200, 'this session goes on')
})

t.test('wrong current passwords count as failed logins', async (t) => {
  const { app } = await accountsApp(t)
  const cookie = await logIn(app, 'alice')
  const change = () => app.inject({ method: 'POST', url: `${API}/me/password`, headers: { cookie }, payload: { currentPassword: 'guess', newPassword: 'x' } })
  for (let i = 0; i < 5; i++) t.equal((await change()).statusCode, 403)
  const locked = await change()
  t.equal(locked.statusCode, 429)
  t.match(locked.json(), { error: /Try again in 60 seconds/ })
})

t.test('the wait is told in whole seconds, one second too', async (t) => {
  let now = Date.parse('2026-12-01T10:00:00Z')
  const { app } = await accountsApp(t, {}, { now: () => now })
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: `${API}/login`, payload: { handle: 'alice', password: 'x' } })
  now += 59_500
  t.match((await app.inject({ method: 'POST', url: `${API}/login`, payload: { handle: 'alice', password: PASSWORD } })).json(), { error: 'Too many failed logins from your address. Try again in 1 second.' })
})

t.test('two first passwords at once: one wins, the other is refused (never overwritten)', async (t) => {
  const { app, accounts } = await accountsApp(t)
  await accounts!.store.update((d) => addAccount(d, { handle: 'root', password: '', admin: true }, 3))
  const set = (password: string) => app.inject({ method: 'POST', url: `${API}/first-password`, headers: { host: '127.0.0.1' }, payload: { handle: 'root', password } })
  const [one, two] = await Promise.all([set('first'), set('second')])
  t.same([one.statusCode, two.statusCode].sort(), [200, 409])
  const winner = one.statusCode === 200 ? 'first' : 'second'
  t.equal((await app.inject({ method: 'POST', url: `${API}/login`, payload: { handle: 'root', password: winner } })).statusCode, 200)
})

t.test('the admin views show where an account came from and that it has no password', async (t) => {
  const { app, accounts } = await accountsApp(t)
  await accounts!.store.update((d) => insertAccount(d, { handle: 'jürgen', name: 'Jürgen', created: 5, password: '', enabled: true, admin: false, stamp: 's', importedFrom: 'sillytavern' }))
  await accounts!.store.update((d) => insertAccount(d, { handle: 'other', name: 'Other', created: 6, password: '', enabled: false, admin: false, stamp: 's', importedFrom: 'elsewhere' }))
  const admin = await logIn(app, 'admin')
  const listed = (await app.inject({ url: `${API}/admin/accounts`, headers: { cookie: admin } })).json().accounts
  t.match(listed.find((a: { handle: string }) => a.handle === 'jürgen'), { importedFrom: 'sillytavern', hasPassword: false })
  const page = (await app.inject({ url: '/_tavern/admin', headers: { cookie: admin } })).body
  t.match(page, /<strong>Jürgen<\/strong> <code>jürgen<\/code><span class="tag">no password<\/span>/)
  t.match(page, 'Sessions: 0; imported from SillyTavern')
  t.match(page, 'imported from elsewhere')
  t.match(page, /<code>other<\/code><span class="tag">disabled<\/span>/)
  t.match(page, `action="/_tavern/admin/accounts/j%C3%BCrgen/disable"`)
})
