import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { watchFiles } from '../../src/server/watch-files.js'

// The watchers do not keep a process alive (the server's sockets do); here a timer does.
const keepAlive = setInterval(() => {}, 1000)
t.teardown(() => clearInterval(keepAlive))

t.test('calls back once per save, for a file replaced by rename too', async (t) => {
  const dir = t.testdir({ 'a.txt': '1', 'other.txt': '' })
  let calls = 0
  let changed: () => void = () => {}
  const close = watchFiles([join(dir, 'a.txt'), join(dir, 'missing-folder', 'b.txt')], () => { calls++; changed() }, 20)
  t.teardown(close)
  const next = () => new Promise<void>((resolve) => { changed = resolve })
  let waiting = next()
  writeFileSync(join(dir, 'a.txt'), '2')
  writeFileSync(join(dir, 'a.txt'), '3')
  await waiting
  t.equal(calls, 1)
  waiting = next()
  writeFileSync(join(dir, 'a.new'), '4')
  renameSync(join(dir, 'a.new'), join(dir, 'a.txt'))
  await waiting
  t.equal(calls, 2)
})

t.test('other files in the folder do not count', async (t) => {
  const dir = t.testdir({ 'a.txt': '1' })
  let calls = 0
  const close = watchFiles([join(dir, 'a.txt')], () => { calls++ }, 20)
  writeFileSync(join(dir, 'unrelated.txt'), 'x')
  // A save of a.txt afterwards is the first and only call.
  await new Promise<void>((resolve) => {
    close()
    const again = watchFiles([join(dir, 'a.txt')], () => { calls++; again(); resolve() }, 20)
    writeFileSync(join(dir, 'a.txt'), '2')
  })
  t.equal(calls, 1)
})
