/**
 * The system tools the benchmark uses, installed when missing: wrk (the load generator; without
 * it autocannon, a Node.js client heavier than the servers it drives, takes its place), openssl
 * (the TLS cases' certificates), taskset (pinning servers and clients to their own cores) and
 * nginx (the peer of the proxied case; the benchmark starts its own, in a folder of its own).
 *
 *   npm run bench:setup      install what is missing (apt-get, as root); exit 1 if something still is
 *
 * `npm run bench` calls this before a full run. Only apt-get is tried, and only as root: anywhere
 * else the missing tools are named, and the benchmark runs with what there is.
 */
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'

export const TOOLS = [
  { command: 'wrk', args: ['--version'], output: /wrk\s+\S+/, pkg: 'wrk', without: 'autocannon drives the load instead' },
  { command: 'openssl', args: ['version'], output: /OpenSSL/i, pkg: 'openssl', without: 'the TLS cases are not measured' },
  { command: 'taskset', args: ['-V'], output: /taskset/, pkg: 'util-linux', without: 'servers and load generators share the cores' },
  { command: 'nginx', args: ['-v'], output: /nginx\//, pkg: 'nginx', without: 'the proxied case is not compared with nginx' }
]

/** Whether `tool` runs here. */
export function present (tool, run = spawnSync) {
  const probe = run(tool.command, tool.args, { encoding: 'utf8' })
  return probe.error === undefined && tool.output.test(`${probe.stdout}${probe.stderr}`)
}

/**
 * Installs the missing tools with apt-get when this process is root and apt-get exists.
 * @param {{ log: (line: string) => void, run?: typeof spawnSync, uid?: number }} options
 * @returns {string[]} the commands still missing afterwards
 */
export function ensureTools ({ log, run = spawnSync, uid = process.getuid?.() }) {
  const missing = TOOLS.filter((tool) => !present(tool, run))
  if (missing.length === 0) return []
  const names = missing.map((t) => t.command).join(', ')
  const apt = run('apt-get', ['--version'], { encoding: 'utf8' })
  if (uid !== 0 || apt.error !== undefined || apt.status !== 0) {
    for (const tool of missing) log(`${tool.command} is not installed (apt-get install ${tool.pkg}, or your system's package manager): ${tool.without}.`)
    return missing.map((t) => t.command)
  }
  log(`installing ${names} with apt-get`)
  const packages = [...new Set(missing.map((t) => t.pkg))]
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  }).status === 0
  // A fresh machine's package lists may be empty or stale: update them only when needed.
  if (!install()) {
    run('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'] })
    install()
  }
  const still = missing.filter((tool) => !present(tool, run))
  for (const tool of still) log(`${tool.command} could not be installed: ${tool.without}.`)
  return still.map((t) => t.command)
}

// npm run bench:setup
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const still = ensureTools({ log: (line) => process.stderr.write(`[bench setup] ${line}\n`) })
  if (still.length === 0) process.stderr.write('[bench setup] wrk, openssl, taskset and nginx are installed.\n')
  process.exitCode = still.length === 0 ? 0 : 1
}
