import t from 'tap'
import { BoundedMap } from '../../src/log/bounded.js'

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

t.test('an entry forgotten to make room is told of, oldest first', async (t) => {
  const evicted: string[] = []
  const map = new BoundedMap<string, number>(2, (key, value) => evicted.push(`${key}=${value}`))
  map.set('a', 1)
  map.set('b', 2)
  map.set('a', 3)
  map.delete('b')
  map.set('c', 4)
  map.set('d', 5)
  t.same(evicted, ['a=3'], 'replaced and deleted entries are not evictions')
  t.same([...map], [['c', 4], ['d', 5]])
})
