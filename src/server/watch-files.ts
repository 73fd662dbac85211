/**
 * Calls back when any of some files changes. Watches the folders, not the files: editors and
 * certbot replace a file by renaming another over it, which a watch on the old file would miss.
 * Changes are gathered for `delayMs`, so one save is one callback.
 */
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

export function watchFiles (files: readonly string[], onChange: () => void, delayMs = 150): () => void {
  const byFolder = new Map<string, Set<string>>()
  for (const file of files) {
    const names = byFolder.get(dirname(file)) ?? new Set<string>()
    names.add(basename(file))
    byFolder.set(dirname(file), names)
  }
  let timer: NodeJS.Timeout | undefined
  const watchers: FSWatcher[] = []
  for (const [folder, names] of byFolder) {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name !== null && !names.has(name.toString())) return
        clearTimeout(timer)
        timer = setTimeout(onChange, delayMs)
      })
      /* c8 ignore next -- the OS reports an error when a watched folder goes away: stop watching it */
      watcher.on('error', () => { watcher.close() })
      watchers.push(watcher)
    } catch {
      // A folder that does not exist (yet) is not watched; SIGHUP still reloads.
    }
  }
  return () => {
    clearTimeout(timer)
    for (const watcher of watchers) watcher.close()
  }
}
