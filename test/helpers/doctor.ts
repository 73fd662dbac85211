/**
 * Runs `tavern-server doctor --json` in-process in a base directory made for the test, on a
 * machine of the test's choosing: its interfaces, and the programs it has (ufw, nft, ss, ...),
 * each answering as given; programs not given are not installed.
 */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { ProgramOutput } from '../../src/cli/doctor/firewall.js'
import type { Check } from '../../src/cli/doctor/report.js'
import { runCli } from '../../src/cli/run.js'
import type { Interfaces } from '../../src/server/listen-plan.js'
import { captureIo, HOME_LAN } from './io.js'

export interface DoctorRun {
  code: number
  outcome: string
  checks: Check[]
  /** The check with this id (the first one). */
  check (id: string): Check | undefined
  err: string
}

export interface DoctorOptions {
  args?: string[]
  env?: Record<string, string>
  interfaces?: Interfaces | (() => Interfaces)
  /** Program answers by command line (`nft list ruleset`). */
  programs?: Record<string, ProgramOutput>
  /** Instead of a fresh testdir. */
  dir?: string
}

export async function runDoctor (t: Test, files: Parameters<Test['testdir']>[0], options: DoctorOptions = {}): Promise<DoctorRun> {
  const dir = options.dir ?? t.testdir(files)
  const io = captureIo(dir, options.env ?? {}, typeof options.interfaces === 'function' ? HOME_LAN : options.interfaces ?? HOME_LAN)
  if (typeof options.interfaces === 'function') io.interfaces = options.interfaces
  io.host.run = async (file, args) => options.programs?.[[file, ...args].join(' ')] ?? { code: null, output: `spawn ${file} ENOENT` }
  const outcome = await runCli(['doctor', '--json', ...(options.args ?? [])], io)
  if (outcome.kind !== 'exit') throw new Error('doctor does not serve')
  const report = JSON.parse(io.out()) as { outcome: string, checks: Check[] }
  return {
    code: outcome.code,
    outcome: report.outcome,
    checks: report.checks,
    check: (id) => report.checks.find((c) => c.id === id),
    err: io.err()
  }
}

/** A port nothing listens on right now (doctor checks a fixed port; tests must not pick one). */
export async function freePort (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return String(port)
}
