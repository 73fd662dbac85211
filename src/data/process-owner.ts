/**
 * Who owns a lock file, beyond a process id: a process id is reused, and a killed process that
 * its parent has not reaped yet still answers kill(pid, 0). On Linux (and Android's Termux) the
 * owner is its id, its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) and
 * the boot id (/proc/sys/kernel/random/boot_id): a lock is held only while a process with that id
 * runs, is not a zombie, started at that very tick, and the machine has not restarted since.
 * Where /proc is missing (macOS, Windows) only the process id can be checked: the lock is held
 * while some process with that id runs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** What a lock file says of its owner; `start` and `boot` where /proc told them. */
export interface ProcessOwner {
  pid: number
  start?: string
  boot?: string
}

export interface ProcessProbe {
  /** Whether a process id belongs to a running process (kill(pid, 0); where /proc is missing). */
  isRunning (pid: number): boolean
  /** Where /proc is; tests point it elsewhere. */
  procRoot?: string
}

interface Stat { state: string, start: string }

function read (file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** State and start time of a process, from /proc/<pid>/stat; undefined when there is no such process. */
function stat (procRoot: string, pid: number): Stat | undefined {
  const text = read(join(procRoot, String(pid), 'stat'))
  if (text === undefined) return undefined
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const [state = '', start = ''] = [fields[0], fields[19]]
  return { state, start }
}

function bootId (procRoot: string): string | undefined {
  return read(join(procRoot, 'sys', 'kernel', 'random', 'boot_id'))?.trim()
}

function hasProc (procRoot: string): boolean {
  return read(join(procRoot, 'self', 'stat')) !== undefined
}

/**
 * What a lock written by process `pid` should say of it.
 * @example describeOwner(process.pid) // { pid: 4242, start: '1234567', boot: '6f1c…' }
 */
export function describeOwner (pid: number, procRoot = '/proc'): ProcessOwner {
  const own = stat(procRoot, pid)
  const boot = bootId(procRoot)
  return own === undefined || boot === undefined ? { pid } : { pid, start: own.start, boot }
}

/**
 * Whether the owner a lock names still runs. An owner named by its id alone (a lock written
 * where /proc was missing, or by an older version, which wrote the id only) is judged by that id,
 * and, where /proc is there, by the lock's age: a process that started after the lock was written
 * cannot have written it.
 * @param writtenAt when the lock was written (ms since 1970, its mtime)
 */
export function ownerRuns (owner: ProcessOwner, probe: ProcessProbe, writtenAt: number): boolean {
  const procRoot = probe.procRoot ?? '/proc'
  if (!hasProc(procRoot)) return probe.isRunning(owner.pid)
  const now = stat(procRoot, owner.pid)
  // Gone, or dead and waiting for its parent (zombie), or being torn down.
  if (now === undefined || now.state === 'Z' || now.state === 'X' || now.state === 'x') return false
  if (owner.start !== undefined && owner.boot !== undefined) {
    return owner.start === now.start && owner.boot === bootId(procRoot)
  }
  return startedAt(procRoot, now.start) <= writtenAt
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
const TICKS_PER_SECOND = 100

/** When a process started, ms since 1970, from its start tick and the boot time (/proc/stat btime). */
function startedAt (procRoot: string, startTicks: string): number {
  const btime = /^btime (\d+)$/m.exec(read(join(procRoot, 'stat')) ?? '')?.[1]
  // Without a boot time, count the process as older than any lock: the lock holds.
  if (btime === undefined) return 0
  // btime is in whole seconds: allow that second.
  return (Number(btime) - 1) * 1000 + Number(startTicks) * 1000 / TICKS_PER_SECOND
}

/** Reads an owner out of a lock file's text: JSON `{pid, start, boot}`, or an older lock's bare `<pid>\n`. */
export function parseOwner (text: string): ProcessOwner | undefined {
  if (/^\d+\n?$/.test(text)) return { pid: Number.parseInt(text, 10) }
  let parsed: { pid?: unknown, start?: unknown, boot?: unknown }
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid)) return undefined
  return {
    pid: parsed.pid,
    ...(typeof parsed.start === 'string' && typeof parsed.boot === 'string' ? { start: parsed.start, boot: parsed.boot } : {})
  }
}
