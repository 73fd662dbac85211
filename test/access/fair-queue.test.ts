import t from 'tap'
import { FairQueue } from '../../src/access/fair-queue.js'

const drain = (q: FairQueue<string>): string[] => {
  const out: string[] = []
  for (let next = q.shift(); next !== undefined; next = q.shift()) out.push(next)
  return out
}

t.test('served family by family, then network by network, first come first served within one', async (t) => {
  const q = new FairQueue<string>(100)
  for (const entry of ['a1', 'a2', 'a3']) q.push('4a', entry)
  q.push('4b', 'b1')
  q.push('6x', 'x1')
  q.push('6x', 'x2')
  q.push('6y', 'y1')
  t.equal(q.size, 7)
  t.same(drain(q), ['a1', 'x1', 'b1', 'y1', 'a2', 'x2', 'a3'])
  t.equal(q.size, 0)
  t.equal(q.shift(), undefined)
})

t.test('bounded: a network with none waiting takes the place of the newest of the longest lane', async (t) => {
  const q = new FairQueue<string>(3)
  t.equal(q.push('4a', 'a1'), undefined)
  t.equal(q.push('4a', 'a2'), undefined)
  t.equal(q.push('4b', 'b1'), undefined)
  t.equal(q.push('4a', 'a3'), 'a3', 'full: a network already waiting is refused')
  t.equal(q.push('4c', 'c1'), 'a2', 'a new network: the longest lane gives up its newest')
  t.equal(q.size, 3)
  t.equal(q.push('4d', 'd1'), 'd1', 'every lane holds one: nobody gives up a place')
  t.same(drain(q), ['a1', 'b1', 'c1'])
})

t.test('a capacity of nothing refuses everything', async (t) => {
  const q = new FairQueue<string>(0)
  t.equal(q.push('4a', 'a1'), 'a1')
})
