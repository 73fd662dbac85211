import t from 'tap'
import { Attempt, CHECKING_WAIT_MS, FailureLimiter, reserveAttempt } from '../../src/access/failure-limiter.js'

function limiter (maxAttempts = 5, capacity = 100) {
  let now = 1_000_000
  const l = new FailureLimiter({ maxAttempts, windowMs: 60_000, maxLockoutMs: 3_600_000, capacity, now: () => now })
  return { l, tick: (ms: number) => { now += ms } }
}

t.test('five failures in the window lock the key for the window', async (t) => {
  const { l, tick } = limiter()
  for (let i = 0; i < 4; i++) {
    t.equal(l.fail('10.0.0.5'), 0)
    tick(1000)
  }
  t.equal(l.lockedFor('10.0.0.5'), 0, 'four failures: still allowed')
  t.equal(l.fail('10.0.0.5'), 60_000, 'the fifth starts a lock-out')
  t.equal(l.lockedFor('10.0.0.5'), 60_000)
  tick(59_000)
  t.equal(l.lockedFor('10.0.0.5'), 1000)
  tick(1000)
  t.equal(l.lockedFor('10.0.0.5'), 0)
  t.equal(l.lockedFor('10.0.0.6'), 0, 'other keys are not affected')
})

t.test('the window slides: old failures stop counting', async (t) => {
  const { l, tick } = limiter()
  for (let i = 0; i < 4; i++) l.fail('k')
  tick(61_000)
  t.equal(l.fail('k'), 0, 'the first four left the window')
})

t.test('each further lock-out doubles, up to the cap; a quiet spell forgives', async (t) => {
  const { l, tick } = limiter(1)
  const lockouts = []
  for (let i = 0; i < 9; i++) {
    lockouts.push(l.fail('k'))
    tick(l.lockedFor('k'))
  }
  t.same(lockouts, [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000])
  tick(3_600_001)
  t.equal(l.fail('k'), 60_000)
})

t.test('0 attempts turns the limit off', async (t) => {
  const { l } = limiter(0)
  for (let i = 0; i < 100; i++) t.equal(l.fail('k'), 0)
  t.equal(l.lockedFor('k'), 0)
})

t.test('a flood of distinct keys keeps memory bounded', async (t) => {
  const { l } = limiter(5, 100)
  for (let i = 0; i < 10_000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`)
  l.fail('last')
  t.equal(l.lockedFor('10.0.0.0'), 0)
  l.clear()
})

t.test('checks under way hold their attempts: no more reservations than the budget', async (t) => {
  const { l, tick } = limiter(3)
  t.equal(l.reserve('k'), undefined)
  t.equal(l.reserve('k'), undefined)
  t.equal(l.reserve('k'), undefined)
  t.same(l.reserve('k'), { ms: CHECKING_WAIT_MS, lockedOut: false }, 'the fourth waits for the three under way')
  t.equal(l.lockedFor('k'), 0, 'not locked: only busy')
  t.equal(l.settle('k', false), 0, 'a success gives its attempt back')
  t.equal(l.reserve('k'), undefined)
  t.equal(l.settle('k', true), 0)
  t.equal(l.settle('k', true), 0)
  t.equal(l.settle('k', true), 60_000, 'the third failure locks the key')
  t.same(l.reserve('k'), { ms: 60_000, lockedOut: true })
  tick(60_000)
  t.equal(l.reserve('k'), undefined, 'the lock-out is over')
})

t.test('a locked key can still have one check at a time when asked', async (t) => {
  const { l } = limiter(1)
  l.fail('alice')
  t.same(l.reserve('alice'), { ms: 60_000, lockedOut: true })
  t.equal(l.reserve('alice', true), undefined, 'one check')
  t.same(l.reserve('alice', true), { ms: CHECKING_WAIT_MS, lockedOut: true }, 'not two at once')
  t.equal(l.settle('alice', false), 0)
  t.equal(l.reserve('alice', true), undefined, 'the next one, once the first is done')
  t.equal(l.settle('alice', true), 120_000, 'a failure counts, and the lock-out grows')
})

t.test('a settled success forgets the key; an unknown or forgotten key settles quietly', async (t) => {
  const { l } = limiter(5, 2)
  t.equal(l.reserve('a'), undefined)
  t.equal(l.settle('a', false), 0)
  t.equal(l.lockedFor('a'), 0)
  t.equal(l.settle('never', false), 0)
  t.equal(l.reserve('b'), undefined)
  l.fail('c')
  l.fail('d')
  t.equal(l.settle('b', true), 0, 'b was forgotten while checked: its failure starts afresh')
})

t.test('0 attempts: every reservation is granted', async (t) => {
  const { l } = limiter(0)
  for (let i = 0; i < 10; i++) t.equal(l.reserve('k'), undefined)
  t.equal(l.settle('k', true), 0)
})

t.test('an attempt takes from the address and the user name, and gives both back', async (t) => {
  const { l: byAddress } = limiter(2)
  const { l: byUser } = limiter(2)
  const limits = { byAddress, byUser }
  const first = reserveAttempt(limits, '10.0.0.1', 'me')
  t.type(first, Attempt)
  byUser.fail('me')
  t.match(reserveAttempt(limits, '10.0.0.2', 'me'), { of: 'user', lockedOut: false }, 'the name has no attempt left')
  t.type(reserveAttempt(limits, '10.0.0.2', 'you'), Attempt, 'the address gave back the attempt the name refused')
  t.type(reserveAttempt(limits, '10.0.0.2', 'them'), Attempt)
  t.match(reserveAttempt(limits, '10.0.0.2', 'other'), { of: 'address', lockedOut: false }, 'two under way: the address has none left')
  t.same((first as Attempt).settle(true), { address: 0, user: 60_000 })
})
