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
  await runFiles(unitFiles().filter((file) => groupOf(file) === group))
}

/**
 * Integration test files that run in groups too, each group in one process,
 * test/units/<group>.test.ts: each file takes a few seconds, and a process of its own cost about a
 * CPU-second more (the same runner's loaders, tap and coverage recorder). Two groups of about ten
 * seconds, so that neither comes near the runner's limit on a busy machine. package.json's
 * tap.exclude keeps these files from running by themselves too (core.test.ts checks that it names
 * exactly these); each still runs alone: `npx tap test/integration/console.test.ts`. The files that
 * start browsers or take longer keep a process each, so the two jobs share them out.
 */
export const INTEGRATION_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'integration-1': ['accounts-crash', 'accounts-writers', 'console', 'data-lock', 'environment-only', 'host-header'],
  'integration-2': ['invocation', 'lazy-loading', 'reload', 'request-bodies', 'tick-shape', 'tunnels']
}

/** The pattern of package.json's tap.exclude that leaves the files of INTEGRATION_GROUPS to their groups. */
export const INTEGRATION_EXCLUDE = `test/integration/@(${Object.values(INTEGRATION_GROUPS).flat().join('|')}).test.ts`

/** Runs the files of one of INTEGRATION_GROUPS (called at the top level of test/units/<group>.test.ts). */
export async function runIntegrationGroup (group: string): Promise<void> {
  await runFiles((INTEGRATION_GROUPS[group] ?? []).map((name) => `integration/${name}.test.ts`))
}

/** Imports test files (paths under test/) one after the other: their tests become this process's. */
async function runFiles (paths: readonly string[]): Promise<void> {
  for (const path of paths) await import(pathToFileURL(join(TEST, path)).href)
}
