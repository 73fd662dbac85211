// Resolve hook for compiled-src.mjs: <root>/src/x.ts (or .js) becomes <root>/dist/x.js.
let src
let dist
export function initialize ({ root }) {
  src = `${root}src/`
  dist = `${root}dist/`
}
export async function resolve (specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  if (!resolved.url.startsWith(src)) return resolved
  const [path, query] = resolved.url.slice(src.length).split(/(?=\?)/)
  return { ...resolved, url: `${dist}${path.replace(/\.ts$/, '.js')}${query ?? ''}`, format: 'module' }
}
