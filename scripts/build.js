// Compiles src/ to dist/ (`npm run build`), incrementally: TypeScript keeps what it learnt in
// node_modules/.cache/ (tsconfig.build.json), so a build with nothing changed takes a fraction of a
// second (`npm start` and `npm test` build first, and `npm install` has just built). Then every
// file of dist/ whose source is gone is removed, so a deleted or renamed module never lingers in
// dist/.
//
//   node scripts/build.js
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The source a file of dist/ was compiled from (x.js and x.js.map from x.ts), by relative path. */
export function sourceOf (path) {
  return path.replace(/\.js(\.map)?$/, '.ts')
}

/** Every file under `dir`, as paths relative to it ('/'-separated). */
function files (dir, base = dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? files(path, base) : [relative(base, path).split('\\').join('/')]
  })
}

/**
 * Removes the files of `dist` without a source in `src`, and folders left empty. Returns the
 * removed files.
 */
export function prune (dist, src) {
  const removed = files(dist).filter((file) => !existsSync(join(src, sourceOf(file))))
  for (const file of removed) rmSync(join(dist, file))
  const emptyFolders = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) emptyFolders(join(dir, entry.name))
    }
    if (dir !== dist && readdirSync(dir).length === 0) rmdirSync(dir)
  }
  if (existsSync(dist)) emptyFolders(dist)
  return removed
}

/**
 * Whether TypeScript's record of the last build can be trusted: dist/ holds the output of every
 * source. (The record does not notice an output deleted by hand; then it is dropped, and the build
 * is a full one.)
 */
export function outputsComplete (dist, src) {
  return files(src).filter((file) => file.endsWith('.ts')).every((file) => existsSync(join(dist, file.replace(/\.ts$/, '.js'))))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('../', import.meta.url))
  const [dist, src] = [join(root, 'dist'), join(root, 'src')]
  const info = join(root, 'node_modules', '.cache', 'tavern-server', 'build.tsbuildinfo')
  if (!outputsComplete(dist, src)) rmSync(info, { force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  // Build mode (-b): with no source newer than the record, tsc says so without loading the
  // program (a quarter of a second instead of three). The record's place is in tsconfig.build.json.
  const { status } = spawnSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
  if (status !== 0) process.exit(status ?? 1)
  prune(dist, src)
}
