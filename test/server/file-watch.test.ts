import { renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { watchFiles } from '../../src/server/file-watch.js'

function onceChanged (files: string[], settleMs = 50) {
  let resolve: () => void = () => {}
  let changes = 0
  const errors: string[] = []
  const watch = watchFiles(files, () => { changes++; resolve() }, { settleMs, onError: (error, folder) => errors.push(`${folder}: ${error.message}`) })
  return {
    watch,
    errors,
    count: () => changes,
    next: () => new Promise<void>((r) => { resolve = r })
  }
}

t.test('a file replaced by rename is seen, and several changes settle into one call', async (t) => {
  const dir = t.testdir({ 'cert.pem': 'a', 'key.pem': 'a', 'other.txt': '' })
  const w = onceChanged([join(dir, 'cert.pem'), join(dir, 'key.pem')])
  t.teardown(() => w.watch.close())
  const changed = w.next()
  writeFileSync(join(dir, 'cert.new'), 'b')
  renameSync(join(dir, 'cert.new'), join(dir, 'cert.pem'))
  writeFileSync(join(dir, 'key.pem'), 'b')
  await changed
  t.equal(w.count(), 1)
  // Still watching after a rename replaced the file.
  const again = w.next()
  writeFileSync(join(dir, 'cert.pem'), 'c')
  await again
  t.equal(w.count(), 2)
})

t.test('changes to other files in the folder are ignored', async (t) => {
  const dir = t.testdir({ 'cert.pem': 'a', 'other.txt': '' })
  const w = onceChanged([join(dir, 'cert.pem')])
  t.teardown(() => w.watch.close())
  const changed = w.next()
  writeFileSync(join(dir, 'other.txt'), 'x')
  writeFileSync(join(dir, 'cert.pem'), 'b')
  await changed
  t.equal(w.count(), 1)
})

t.test('a link and the file it points to are both watched (certbot live/ and archive/)', async (t) => {
  const dir = t.testdir({ archive: { 'cert1.pem': 'a', 'cert2.pem': 'b' }, live: {} })
  symlinkSync('../archive/cert1.pem', join(dir, 'live', 'cert.pem'))
  const w = onceChanged([join(dir, 'live', 'cert.pem')])
  t.teardown(() => w.watch.close())
  const edited = w.next()
  writeFileSync(join(dir, 'archive', 'cert1.pem'), 'edited in place')
  await edited
  const swapped = w.next()
  symlinkSync('../archive/cert2.pem', join(dir, 'live', 'cert.tmp'))
  renameSync(join(dir, 'live', 'cert.tmp'), join(dir, 'live', 'cert.pem'))
  await swapped
  t.equal(w.count(), 2)
})

t.test('a folder that cannot be watched is reported, and the others are still watched', async (t) => {
  const dir = t.testdir({ here: { 'cert.pem': 'a' } })
  const w = onceChanged([join(dir, 'gone', 'key.pem'), join(dir, 'here', 'cert.pem')])
  t.teardown(() => w.watch.close())
  t.match(w.errors, [new RegExp(`^${join(dir, 'gone')}: ENOENT`)])
  const changed = w.next()
  writeFileSync(join(dir, 'here', 'cert.pem'), 'b')
  await changed
  t.equal(w.count(), 1)
})
