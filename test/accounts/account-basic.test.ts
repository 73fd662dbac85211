import t from 'tap'
import type { Test } from 'tap'
import { hashPassword } from '../../src/access/password-hash.js'
import { AccountBasicChecker } from '../../src/accounts/account-basic.js'
import { addAccount, removeAccount, setEnabled, setPassword } from '../../src/accounts/account-changes.js'
import { AccountStore } from '../../src/accounts/account-store.js'
import { PasswordCheck } from '../../src/accounts/password-check.js'

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function setup (t: Test) {
  const store = new AccountStore({ dataRoot: t.testdir({}), identity: { pid: 1, hostname: 'h', isRunning: () => true } }).load()
  let checks = 0
  const passwords = new PasswordCheck({ find: (h) => store.find(h), bounded: async (run) => { checks++; return run() }, logN: 10 })
  const checker = new AccountBasicChecker(store, passwords)
  return { store, checker, checks: () => checks }
}

t.test('an account\'s handle and password pass once; then the header is remembered', async (t) => {
  const { store, checker, checks } = await setup(t)
  t.ok(checker.disabled, 'no account with a password: nobody can log in')
  await store.update((d) => addAccount(d, { handle: 'alice', password: '', admin: false }, 1))
  t.ok(checker.disabled)
  const hash = await hashPassword('pw', 10)
  await store.update((d) => setPassword(d, 'alice', hash))
  t.notOk(checker.disabled)
  const key = checker.keyOf(header('alice', 'pw'))
  t.equal(checker.remembered(key), undefined)
  const all = await Promise.all([checker.verify(key, 'alice', 'pw'), checker.verify(key, 'alice', 'pw')])
  t.same(all, [true, true])
  t.equal(checks(), 1, 'the same header arriving twice at once is hashed once')
  t.equal(checker.remembered(key), 'alice')
  t.notOk(await checker.verify(checker.keyOf(header('alice', 'no')), 'alice', 'no'))
  t.notOk(await checker.verify(checker.keyOf(header('nobody', 'pw')), 'nobody', 'pw'))
  t.equal(checker.generation, store.generation)
})

t.test('a remembered login is void once the password changes, the account is disabled or removed', async (t) => {
  const { store, checker } = await setup(t)
  const hash = await hashPassword('pw', 10)
  const remember = async () => {
    const key = checker.keyOf(header('alice', 'pw'))
    t.ok(await checker.verify(key, 'alice', 'pw'))
    return key
  }
  await store.update((d) => addAccount(d, { handle: 'alice', password: hash, admin: false }, 1))
  let key = await remember()
  await store.update((d) => setPassword(d, 'alice', hash))
  t.equal(checker.remembered(key), undefined, 'a new password (even the same one) voids it')
  key = await remember()
  await store.update((d) => setEnabled(d, 'alice', false))
  t.equal(checker.remembered(key), undefined, 'disabled')
  t.notOk(await checker.verify(key, 'alice', 'pw'), 'and a disabled account cannot log in again')
  await store.update((d) => setEnabled(d, 'alice', true))
  key = await remember()
  await store.update((d) => removeAccount(d, 'alice'))
  t.equal(checker.remembered(key), undefined, 'removed')
})
