/**
 * The unit tests run in a few groups, one process each. A process per file cost more than most of
 * the files' tests: the runner's loaders, its process recorder and its own modules take about a
 * CPU-second in every test process, and 90 files of in-process tests paid it 90 times.
 *
 * A group imports its files one after the other into one process; their tests are top-level tests
 * of the group, run in order. Every `*.test.ts` under test/ that is not in a folder of its own
 * processes (SEPARATE: they start servers, browsers and the real SillyTavern) belongs to exactly
 * one group, so a new file is never left out. Each file still runs alone:
 * `npx tap test/access/ip-rules.test.ts`.
 */
import { readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const TEST = fileURLToPath(new URL('../', import.meta.url))

/** Folders (under test/) whose files run each in its own process. */
export const SEPARATE = ['bench', 'ci', 'integration', 'units', 'upstream']

/** The group of a unit test file, from its path under test/ ('/'-separated). */
export function groupOf (path: string): string {
  const [folder, name = ''] = path.split('/')
  if (folder === 'server') return /^(account|app-proxy|basic-auth|session|static)/.test(name) ? 'server-app' : 'server'
  if (folder === 'access' || folder === 'cli') return folder
  return 'core'
}

/** Every unit test file, as a path under test/, in order. */
export function unitFiles (dir = TEST): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const rel = relative(TEST, path).split(sep).join('/')
    if (entry.isDirectory()) {
      if (!SEPARATE.includes(rel) && !['helpers', 'setup'].includes(rel)) files.push(...unitFiles(path))
    } else if (entry.name.endsWith('.test.ts')) {
      files.push(rel)
    }
  }
  return files.sort()
}

/** Runs the files of one group (called at the top level of test/units/<group>.test.ts). */
export async function runGroup (group: string): Promise<void> {
  for (const path of unitFiles().filter((file) => groupOf(file) === group)) {
    await import(pathToFileURL(join(TEST, path)).href)
  }
}
