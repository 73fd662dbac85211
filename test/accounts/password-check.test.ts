import t from 'tap'
import { hashPassword, verifyHash } from '../../src/access/password-hash.js'
import type { ScryptHash } from '../../src/access/password-hash.js'
import type { Account } from '../../src/accounts/account-file.js'
import { PasswordCheck } from '../../src/accounts/password-check.js'
import { fromSillyTavernHash } from '../../src/accounts/sillytavern-import.js'
import { scryptSync, randomBytes } from 'node:crypto'

async function accounts (): Promise<Map<string, Account>> {
  const base = { created: 1, enabled: true, admin: false, stamp: 's' }
  // SillyTavern's own way: scrypt N=2^14 of the password with its base64 salt text.
  const salt = randomBytes(16).toString('base64')
  const stHash = scryptSync('Pässwörd', salt, 64).toString('base64')
  return new Map<string, Account>([
    ['alice', { ...base, handle: 'alice', name: 'Alice', password: await hashPassword('right', 12) }],
    ['old', { ...base, handle: 'old', name: 'Old', password: await hashPassword('right', 10) }],
    ['imported', { ...base, handle: 'imported', name: 'Imported', password: fromSillyTavernHash(stHash, salt) as string }],
    ['off', { ...base, handle: 'off', name: 'Off', password: await hashPassword('right', 12), enabled: false }],
    ['open', { ...base, handle: 'open', name: 'Open', password: '' }]
  ])
}

/** A check at cost 2^12 that counts the scrypt work (N × r × p) of every call. */
async function counted () {
  const all = await accounts()
  let work = 0
  let slots = 0
  const check = new PasswordCheck({
    find: (handle) => all.get(handle),
    bounded: async (run) => { slots++; return run() },
    logN: 12,
    verify: (password: string, hash: ScryptHash) => {
      work += 2 ** hash.logN * hash.r * hash.p
      return verifyHash(password, hash)
    }
  })
  return { check, taken: () => { const w = work; work = 0; return w }, slots: () => slots }
}

t.test('right, wrong, disabled, without a password, unknown', async (t) => {
  const { check } = await counted()
  t.match(await check.check('alice', 'right'), { kind: 'ok', account: { handle: 'alice' }, rehash: false })
  t.same(await check.check('alice', 'Right'), { kind: 'wrong' })
  t.match(await check.check('off', 'right'), { kind: 'disabled', account: { handle: 'off' } })
  t.same(await check.check('off', 'wrong'), { kind: 'wrong' }, 'a disabled account with a wrong password looks like any wrong password')
  t.same(await check.check('open', ''), { kind: 'wrong' }, 'no password: nobody gets in, whatever they type')
  t.same(await check.check('open', 'anything'), { kind: 'wrong' })
  t.same(await check.check('nobody', 'right'), { kind: 'wrong' })
})

t.test('every answer costs the same scrypt work: no user-name oracle', async (t) => {
  const { check, taken, slots } = await counted()
  const cost = 2 ** 12 * 8
  for (const [handle, password] of [['alice', 'wrong'], ['alice', 'right'], ['nobody', 'x'], ['open', 'x'], ['off', 'x'], ['old', 'wrong'], ['old', 'right']]) {
    await check.check(handle as string, password as string)
    t.equal(taken(), cost, `${handle} / ${password}`)
  }
  t.equal(slots(), 7, 'each check took one bounded slot')
})

t.test('at the server\'s cost (2^15), an imported SillyTavern hash (2^14) is padded to the same work', async (t) => {
  const all = await accounts()
  const calls: number[] = []
  // The work is counted, not done: no scrypt runs in this test.
  const check = new PasswordCheck({ find: (handle) => all.get(handle), bounded: async (run) => run(), logN: 15, verify: async (_password, hash) => { calls.push(hash.logN); return false } })
  for (const handle of ['imported', 'nobody', 'alice', 'open']) {
    calls.length = 0
    await check.check(handle, 'x')
    t.equal(calls.reduce((sum, logN) => sum + 2 ** logN, 0), 2 ** 15, handle)
  }
  calls.length = 0
  await check.check('imported', 'x')
  t.same(calls, [14, 14], 'the real hash, then one more of the same cost')
})

t.test('a weaker hash that passes asks for a new one; an imported SillyTavern password works, in NFD too', async (t) => {
  const { check } = await counted()
  t.match(await check.check('old', 'right'), { kind: 'ok', rehash: true })
  t.match(await check.check('imported', 'Pässwörd'), { kind: 'ok', rehash: false }, 'N=2^14 is stronger than this check\'s 2^12')
  t.match(await check.check('imported', 'Pässwörd'.normalize('NFD')), { kind: 'ok' })
  t.same(await check.check('imported', 'Passwort'), { kind: 'wrong' })
})

t.test('new passwords are hashed in the bounded slots, at the configured cost', async (t) => {
  let slots = 0
  const check = new PasswordCheck({ find: () => undefined, bounded: async (run) => { slots++; return run() }, logN: 11 })
  t.match(await check.hash('new one'), /^\$scrypt\$ln=11,r=8,p=1\$/)
  t.equal(slots, 1)
})

t.test('the same handle and password checked again while the first check runs: one check', async (t) => {
  const { check, slots } = await counted()
  t.equal(check.pending('alice', 'right'), undefined)
  const first = check.check('alice', 'right')
  const pending = check.pending('alice', 'right')
  t.ok(pending instanceof Promise, 'under way')
  t.equal(check.pending('alice', 'wrong'), undefined, 'another password is another check')
  const again = check.check('alice', 'right')
  const answers = await Promise.all([first, pending, again])
  t.match(answers, [{ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }], 'joined: the same answer')
  t.equal(answers[1], answers[0], 'the same check\'s answer')
  t.equal(answers[2], answers[0])
  t.equal(slots(), 1)
  t.equal(check.pending('alice', 'right'), undefined, 'done')
})
