import t from 'tap'
import { addAccount, insertAccount, removeAccount, setAdmin, setEnabled, setPassword } from '../../src/accounts/account-changes.js'
import type { Draft } from '../../src/accounts/account-changes.js'

function draft (): Draft {
  const d: Draft = new Map()
  addAccount(d, { handle: 'root', password: '', admin: true }, 1)
  addAccount(d, { handle: 'alice', name: '  Alice  ', password: 'h', admin: false }, 2)
  return d
}

t.test('an account made here: a slug handle, the handle as name when none is given', async (t) => {
  const d = draft()
  t.match(d.get('root'), { handle: 'root', name: 'root', created: 1, enabled: true, admin: true, password: '' })
  t.equal(d.get('alice')?.name, 'Alice')
  t.throws(() => addAccount(d, { handle: '../etc', password: '', admin: false }, 3), { code: 'TVS_ERR_ACCOUNT_HANDLE', statusCode: 400 })
  t.throws(() => addAccount(d, { handle: 'alice', password: '', admin: false }, 3), { code: 'TVS_ERR_ACCOUNT_EXISTS', statusCode: 409 })
  t.throws(() => insertAccount(d, { ...d.get('alice')! }), { code: 'TVS_ERR_ACCOUNT_EXISTS' })
})

t.test('a new password or disabling changes the stamp; enabling, roles and a no-op do not', async (t) => {
  const d = draft()
  const before = d.get('alice')!.stamp
  t.not(setPassword(d, 'alice', 'h2').stamp, before)
  t.equal(setPassword(d, 'alice', 'h3', 'kept').stamp, 'kept')
  t.equal(setEnabled(d, 'alice', true).stamp, 'kept', 'already enabled: nothing changes')
  const disabled = setEnabled(d, 'alice', false)
  t.not(disabled.stamp, 'kept')
  t.equal(setEnabled(d, 'alice', true).stamp, disabled.stamp)
  t.equal(setAdmin(d, 'alice', true).stamp, disabled.stamp)
  t.equal(setAdmin(d, 'alice', true), d.get('alice'), 'already an admin')
})

t.test('the last enabled admin cannot be removed, disabled or demoted', async (t) => {
  const d = draft()
  t.throws(() => removeAccount(d, 'root'), { code: 'TVS_ERR_ACCOUNT_LAST_ADMIN', statusCode: 409, message: /"root" is the last enabled admin account, so it cannot be removed/ })
  t.throws(() => setEnabled(d, 'root', false), { message: /cannot be disabled/ })
  t.throws(() => setAdmin(d, 'root', false), { message: /cannot be demoted/ })
  t.match(d.get('root'), { enabled: true, admin: true }, 'the refused change left the draft as it was')
  setAdmin(d, 'alice', true)
  t.equal(removeAccount(d, 'root').handle, 'root', 'with another admin it can go')
  t.throws(() => setEnabled(d, 'alice', false), { code: 'TVS_ERR_ACCOUNT_LAST_ADMIN' })
})

t.test('with no enabled admin at all (an import), other changes still work', async (t) => {
  const d: Draft = new Map()
  addAccount(d, { handle: 'bob', password: '', admin: false }, 1)
  addAccount(d, { handle: 'eve', password: '', admin: false }, 1)
  t.ok(removeAccount(d, 'eve'))
  t.equal(setEnabled(d, 'bob', false).enabled, false)
})

t.test('changes to an account that does not exist say so', async (t) => {
  for (const change of [
    (d: Draft) => setPassword(d, 'nobody', ''),
    (d: Draft) => setEnabled(d, 'nobody', false),
    (d: Draft) => setAdmin(d, 'nobody', true),
    (d: Draft) => removeAccount(d, 'nobody')
  ]) t.throws(() => change(draft()), { code: 'TVS_ERR_ACCOUNT_UNKNOWN', statusCode: 404, message: 'There is no account with the handle "nobody".' })
})
