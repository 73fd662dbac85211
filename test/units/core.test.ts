/** The unit tests of group 'core' (see groups.ts), in one process, and a check that no file is left out. */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { groupOf, INTEGRATION_EXCLUDE, INTEGRATION_GROUPS, runGroup, unitFiles } from './groups.js'

t.test('every unit test file is in a group that has a file of its own here', async (t) => {
  const groups = new Set(readdirSync(new URL('./', import.meta.url)).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length)))
  const files = unitFiles()
  t.ok(files.length > 80, `${files.length} files`)
  t.same(files.filter((file) => !groups.has(groupOf(file))), [])
  t.ok(files.includes('access/ip-rules.test.ts') && files.includes('invocation.test.ts'))
  t.notOk(files.some((file) => /^(integration|upstream|bench|ci|units|helpers|setup)\//.test(file)))
})

t.test('the integration files of the groups run there and nowhere else', async (t) => {
  const { tap } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { tap: { include: string[], exclude: string[] } }
  t.ok(tap.include.includes('test/integration/*.test.ts'), 'the other integration files run by themselves')
  t.ok(tap.exclude.includes(INTEGRATION_EXCLUDE), `tap.exclude has ${INTEGRATION_EXCLUDE}`)
  t.same(tap.exclude.filter((pattern) => pattern.startsWith('test/')), [INTEGRATION_EXCLUDE], 'and leaves out no other test file')
  t.ok(tap.exclude.includes('**/@(fixture*(s)|dist)/**'), 'tap\'s own default stays')
  const names = Object.values(INTEGRATION_GROUPS).flat()
  t.same(names.filter((name) => !existsSync(new URL(`../integration/${name}.test.ts`, import.meta.url))), [], 'every file of a group exists')
  t.equal(new Set(names).size, names.length, 'and is in one group')
  for (const group of Object.keys(INTEGRATION_GROUPS)) t.ok(existsSync(new URL(`${group}.test.ts`, import.meta.url)), `${group} has a file of its own here`)
})

await runGroup('core')
