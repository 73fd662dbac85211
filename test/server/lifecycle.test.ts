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

t.test('a reload step that throws is reported, and the steps after it still run', async (t) => {
  const calls: string[] = []
  const lifecycle = new Lifecycle((what, error) => { calls.push(`${what} failed: ${error.message}`) })
  lifecycle.onReload(async () => { throw new Error('EACCES') }, 'reopening the access log')
  lifecycle.onReload(() => { throw 'not an Error' })
  lifecycle.onReload(() => { calls.push('whitelist reloaded') })
  await lifecycle.reload()
  await lifecycle.attempt('watching', () => { calls.push('watched') })
  t.same(calls, ['reopening the access log failed: EACCES', 'a reload step failed: not an Error', 'whitelist reloaded', 'watched'])
})

t.test('without a report, a failing step is only skipped', async (t) => {
  const lifecycle = new Lifecycle()
  lifecycle.onReload(() => { throw new Error('x') })
  await t.resolves(lifecycle.reload())
})
