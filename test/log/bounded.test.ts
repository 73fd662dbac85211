import t from 'tap'
import { BoundedMap, createConsoleThrottle } from '../../src/log/bounded.js'

t.test('forgets the oldest entry once full', async (t) => {
  const map = new BoundedMap<string, number>(2)
  map.set('a', 1)
  map.set('b', 2)
  map.set('a', 3) // refreshed: now the newest
  map.set('c', 4)
  t.equal(map.size, 2)
  t.notOk(map.has('b'))
  t.equal(map.get('a'), 3)
  map.delete('a')
  t.equal(map.size, 1)
  map.clear()
  t.equal(map.size, 0)
})

t.test('a million distinct keys keep the map at its capacity', async (t) => {
  const map = new BoundedMap<number, true>(1000)
  for (let i = 0; i < 1_000_000; i++) map.set(i, true)
  t.equal(map.size, 1000)
  t.ok(map.has(999_999))
})

t.test('the console throttle lets one line per key per window through', async (t) => {
  let now = 0
  const gate = createConsoleThrottle(60_000, 100, () => now)
  t.equal(gate('10.0.0.5'), 0)
  t.equal(gate('10.0.0.5'), undefined)
  t.equal(gate('10.0.0.5'), undefined)
  t.equal(gate('10.0.0.6'), 0, 'other keys are independent')
  now = 60_000
  t.equal(gate('10.0.0.5'), 2, 'the next line says how many were held back')
  t.equal(gate('10.0.0.5'), undefined)
})
