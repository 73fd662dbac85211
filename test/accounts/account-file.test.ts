import t from 'tap'
import { parseAccounts, serializeAccounts } from '../../src/accounts/account-file.js'
import type { Account } from '../../src/accounts/account-file.js'

const HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'
const alice: Account = { handle: 'alice', name: 'Alice', created: 1, password: HASH, enabled: true, admin: true, stamp: 's1' }

t.test('accounts survive the file: written, read back the same', async (t) => {
  const accounts = new Map([['alice', alice], ['jürgen', { ...alice, handle: 'jürgen', password: '', admin: false, importedFrom: 'sillytavern' }]])
  const text = serializeAccounts(accounts)
  t.same(parseAccounts(text), accounts)
  t.match(text, /^\{\n {2}"format": 1,/)
})

t.test('a broken file is reported with the account and field at fault', async (t) => {
  const file = (accounts: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ format: 1, accounts, ...extra })
  const table: Array<[string, string, RegExp]> = [
    ['not JSON', '{"format": 1,', /not valid JSON/],
    ['another format', file([], { format: 2 }), /expected \{"format": 1/],
    ['no list', JSON.stringify({ format: 1 }), /expected/],
    ['null', 'null', /expected/],
    ['an item that is not an object', file([42]), /accounts\[0\] is not an object/],
    ['no handle', file([{ ...alice, handle: undefined }]), /accounts\[0\]: "handle" must be a text/],
    ['an unsafe handle', file([{ ...alice, handle: '../x' }]), /accounts\[0\] \("\.\.\/x"\): the handle cannot be used: it contains a path separator/],
    ['a second alice', file([alice, alice]), /accounts\[1\] \("alice"\): a second account/],
    ['a name that is a number', file([{ ...alice, name: 5 }]), /"name" must be a text/],
    ['a date that is not finite', file([{ ...alice, created: null }]), /"created" must be a number/],
    ['a password that is no hash', file([{ ...alice, password: 'plain' }]), /"password" must be a text holding a \$scrypt\$ hash or nothing/],
    ['enabled as text', file([{ ...alice, enabled: 'yes' }]), /"enabled" must be a boolean/],
    ['no admin flag', file([{ ...alice, admin: undefined }]), /"admin" must be a boolean/],
    ['an empty stamp', file([{ ...alice, stamp: '' }]), /"stamp" must be a text/]
  ]
  for (const [name, text, problem] of table) t.throws(() => parseAccounts(text), problem, name)
})
