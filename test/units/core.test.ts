/** The unit tests of group 'core' (see groups.ts), in one process, and a check that no file is left out. */
import { readdirSync } from 'node:fs'
import t from 'tap'
import { groupOf, runGroup, unitFiles } from './groups.js'

t.test('every unit test file is in a group that has a file of its own here', async (t) => {
  const groups = new Set(readdirSync(new URL('./', import.meta.url)).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length)))
  const files = unitFiles()
  t.ok(files.length > 80, `${files.length} files`)
  t.same(files.filter((file) => !groups.has(groupOf(file))), [])
  t.ok(files.includes('access/ip-rules.test.ts') && files.includes('invocation.test.ts'))
  t.notOk(files.some((file) => /^(integration|upstream|bench|ci|units|helpers|setup)\//.test(file)))
})

await runGroup('core')
