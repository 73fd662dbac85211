/**
 * What the numbers were measured on: CPU, cores, memory, OS, Node.js, Fastify, the commit.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './servers.js'

function packageVersion (name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

function commit () {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' })
  if (head.status !== 0) return 'unknown'
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json'], { cwd: ROOT, encoding: 'utf8' })
  return `${head.stdout.trim()}${dirty.stdout.trim() === '' ? '' : ' (with uncommitted changes to src/)'}`
}

export function describeMachine () {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()} ${arch()}`,
    node: process.version,
    fastify: packageVersion('fastify'),
    commit: commit(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadBefore: load()
  }
}

/** The 1-minute load average: how busy the machine was with other work. */
export function load () {
  return loadavg()[0]
}

export { packageVersion }
