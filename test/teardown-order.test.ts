/**
 * A test's teardowns run before tap removes its t.testdir() folder, whichever came first in the
 * test (test/setup/teardown-first.mjs): a server stopped in a teardown may write into its folder
 * on its way out.
 */
import { existsSync } from 'node:fs'
import t from 'tap'

let dir = ''
let thereAtTeardown: boolean | undefined

t.test('a folder made before the first teardown', async (t) => {
  dir = t.testdir({ 'file.txt': 'x' })
  t.teardown(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    thereAtTeardown = existsSync(dir)
  })
  t.ok(existsSync(dir))
})

t.test('is still there when the teardown runs, and removed after it', async (t) => {
  t.equal(thereAtTeardown, true)
  t.notOk(existsSync(dir))
})
