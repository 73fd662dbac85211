import t from 'tap'
import { FailureLimiter } from '../../src/access/failure-limiter.js'

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
