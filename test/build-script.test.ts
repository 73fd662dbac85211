/**
 * scripts/build.js: the incremental build leaves nothing behind in dist/ whose source is gone, and
 * drops TypeScript's record of the last build when an output was deleted by hand.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const { outputsComplete, prune, sourceOf } = await import(new URL('../scripts/build.js', import.meta.url).href) as {
  outputsComplete: (dist: string, src: string) => boolean
  prune: (dist: string, src: string) => string[]
  sourceOf: (path: string) => string
}

t.test('the source of an output', async (t) => {
  t.equal(sourceOf('cli/main.js'), 'cli/main.ts')
  t.equal(sourceOf('cli/main.js.map'), 'cli/main.ts')
})

t.test('outputs without a source are removed, and folders left empty', async (t) => {
  const dir = t.testdir({
    src: { 'a.ts': '', cli: { 'b.ts': '' } },
    dist: {
      'a.js': '',
      'a.js.map': '',
      'renamed.js': '',
      'renamed.js.map': '',
      cli: { 'b.js': '', 'b.js.map': '', 'gone.js': '' },
      removed: { 'c.js': '', deeper: { 'd.js.map': '' } }
    }
  })
  const [dist, src] = [join(dir, 'dist'), join(dir, 'src')]
  t.same(prune(dist, src).sort(), ['cli/gone.js', 'removed/c.js', 'removed/deeper/d.js.map', 'renamed.js', 'renamed.js.map'])
  for (const kept of ['a.js', 'a.js.map', 'cli/b.js', 'cli/b.js.map']) t.ok(existsSync(join(dist, kept)), kept)
  t.notOk(existsSync(join(dist, 'removed')), 'an emptied folder goes too')
  t.ok(existsSync(dist), 'dist/ itself stays')
  t.same(prune(join(dir, 'none'), src), [], 'no dist/ yet: nothing to do')
})

t.test('the record of the last build is kept only while every output is there', async (t) => {
  const dir = t.testdir({ src: { 'a.ts': '', cli: { 'b.ts': '', 'notes.md': '' } }, dist: { 'a.js': '', cli: { 'b.js': '' } }, half: { 'a.js': '' } })
  t.ok(outputsComplete(join(dir, 'dist'), join(dir, 'src')))
  t.notOk(outputsComplete(join(dir, 'half'), join(dir, 'src')), 'cli/b.js deleted by hand')
  t.notOk(outputsComplete(join(dir, 'none'), join(dir, 'src')), 'no dist/ at all')
})
