// Module hooks for loader.mjs: TypeScript test files from a cache of their JavaScript, and
// <root>/src/x.ts (or .js) from <root>/dist/x.js.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root
let src
let dist
let cache
/** Settles once the whole tree is in the cache; started by the first file missing from it. */
let filling

export function initialize (data) {
  root = data.root
  src = `${root}src/`
  dist = data.dist ? `${root}dist/` : undefined
  cache = fileURLToPath(new URL('node_modules/.cache/tavern-tests/', root))
}

const relative = (specifier) => /^(\.{1,2}\/|\/|file:)/.test(specifier)

export async function resolve (specifier, context, nextResolve) {
  let resolved
  try {
    resolved = await nextResolve(specifier, context)
  } catch (error) {
    // TypeScript's convention: `./x.js` in an import names the source ./x.ts (a query string,
    // as tap's mocks add, stays).
    const source = specifier.replace(/\.js(?=\?|$)/, '.ts')
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !relative(specifier) || source === specifier) throw error
    resolved = await nextResolve(source, context)
  }
  if (dist === undefined || !resolved.url.startsWith(src)) return resolved
  const [path, query] = resolved.url.slice(src.length).split(/(?=\?)/)
  return { ...resolved, url: `${dist}${path.replace(/\.ts$/, '.js')}${query ?? ''}`, format: 'module' }
}

export async function load (url, context, nextLoad) {
  const path = url.startsWith(root) && !url.includes('/node_modules/') ? url.split('?')[0] : ''
  if (!path.endsWith('.ts')) return nextLoad(url, context)
  const file = fileURLToPath(path)
  const text = await readFile(file, 'utf8')
  return { format: 'module', source: await javaScript(file, text), shortCircuit: true }
}

/** The JavaScript of one TypeScript file, from the cache, or after filling it. */
async function javaScript (file, text) {
  const cached = cacheFile(file, text)
  try {
    return readFileSync(cached, 'utf8')
  } catch {
    filling ??= fill()
    const transpile = await filling
    // The fill wrote every file of test/ and bench/ (this one too, unless it is elsewhere).
    try {
      return readFileSync(cached, 'utf8')
    } catch {
      return transpile(file, text)
    }
  }
}

const cacheFile = (file, text) => join(cache, `${createHash('sha256').update(`${typescriptVersion()}\0${file}\0${text}`).digest('hex').slice(0, 40)}.js`)

let version
function typescriptVersion () {
  version ??= JSON.parse(readFileSync(new URL('node_modules/typescript/package.json', root), 'utf8')).version
  return version
}

/**
 * Loads TypeScript once and transpiles every .ts file of the project into the cache, so that the
 * test processes started after this one find theirs there. Resolves with the transpiler.
 */
async function fill () {
  const ts = createRequire(fileURLToPath(root))('typescript')
  const transpile = (file, text) => {
    const js = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true
      }
    }).outputText
    // Written under another name, then renamed: a process reading the cache never sees half a file.
    const cached = cacheFile(file, text)
    const partial = `${cached}.${process.pid}.partial`
    writeFileSync(partial, js)
    renameSync(partial, cached)
    return js
  }
  mkdirSync(cache, { recursive: true })
  for (const folder of ['test', 'bench', ...(dist === undefined ? ['src'] : [])]) {
    for (const file of typescriptFiles(fileURLToPath(new URL(folder, root)))) {
      transpile(file, readFileSync(file, 'utf8'))
    }
  }
  return transpile
}

function typescriptFiles (folder) {
  let entries
  try {
    entries = readdirSync(folder, { withFileTypes: true })
  } catch {
    return []
  }
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return typescriptFiles(path)
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}
