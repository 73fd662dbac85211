import t from 'tap'
import { Lifecycle } from '../../src/server/lifecycle.js'

t.test('runs reloaders in order and closers in reverse', async (t) => {
  const calls: string[] = []
  const lifecycle = new Lifecycle()
  lifecycle.onReload(() => { calls.push('reload a') })
  lifecycle.onReload(async () => { calls.push('reload b') })
  lifecycle.onClose(() => { calls.push('close first registered') })
  lifecycle.onClose(async () => { calls.push('close last registered') })
  await lifecycle.reload()
  await lifecycle.close()
  t.same(calls, ['reload a', 'reload b', 'close last registered', 'close first registered'])
})
