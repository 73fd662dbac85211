import { createHook } from 'node:async_hooks'
import t from 'tap'
import { keepTickShape, keptTickObject } from '../../src/cli/tick-shape.js'

/** The next queue entry process.nextTick makes, caught the same way keepTickShape() does. */
function nextTickObject (): object {
  let caught: object | undefined
  const hook = createHook({ init (_id, type, _trigger, resource) { if (type === 'TickObject') caught = resource } })
  hook.enable()
  process.nextTick(() => {})
  hook.disable()
  if (caught === undefined) throw new Error('process.nextTick made no TickObject')
  return caught
}

t.test('keeps one real process.nextTick queue entry, once per process', async (t) => {
  t.equal(keptTickObject(), undefined, 'nothing is kept before the first call')
  keepTickShape(process.nextTick)
  const kept = keptTickObject()
  if (kept === undefined) throw new Error('keepTickShape() kept nothing')
  t.same(Reflect.ownKeys(kept), Reflect.ownKeys(nextTickObject()), 'the same keys, in the same order, as every entry')
  t.type((kept as { callback?: unknown }).callback, 'function')
  keepTickShape(process.nextTick)
  t.equal(keptTickObject(), kept, 'a second call keeps the first entry')
})
