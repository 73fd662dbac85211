/**
 * Tells when files change on disk, once they have settled. Watches the folders rather than the
 * files: renewal tools replace files (certbot swaps the symbolic links in live/, editors write a
 * new file and rename it), and a watch on the old file would see nothing after the first swap.
 * The folders of the files a link points to are watched too.
 */
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { realpathSync } from 'node:fs'

/** Several files are usually replaced one after the other; wait for the last. */
export const SETTLE_MS = 300

export interface FileWatch {
  close (): void
}

export interface WatchOptions {
  /** Called when a folder cannot be watched; the other watches go on. */
  onError (error: Error, folder: string): void
  settleMs?: number
}

function withTarget (file: string): string[] {
  try {
    return [file, realpathSync(file)]
  } catch {
    return [file]
  }
}

/**
 * Calls `onChange` once the files have not changed for `settleMs`.
 * @example const w = watchFiles(['/srv/cert.pem', '/srv/key.pem'], reload, { onError }); w.close()
 */
export function watchFiles (files: readonly string[], onChange: () => void, options: WatchOptions): FileWatch {
  const paths = files.flatMap(withTarget)
  const names = new Set(paths.map((p) => basename(p)))
  const folders = [...new Set(paths.map((p) => dirname(p)))]
  const settleMs = options.settleMs ?? SETTLE_MS
  let timer: NodeJS.Timeout | undefined
  const changed = (_event: string, name: string | Buffer | null): void => {
    // Some platforms do not say which file changed; then any change counts.
    if (name !== null && !names.has(name.toString())) return
    clearTimeout(timer)
    timer = setTimeout(onChange, settleMs)
  }
  const watchers: FSWatcher[] = []
  for (const folder of folders) {
    try {
      const watcher = watch(folder, changed)
      /* c8 ignore next -- fs.watch reports errors after the start only on some platforms (Windows: the folder deleted) */
      watcher.on('error', (error) => options.onError(error, folder))
      watchers.push(watcher)
    } catch (error) {
      options.onError(error as Error, folder)
    }
  }
  return {
    close () {
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    }
  }
}
