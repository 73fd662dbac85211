/**
 * A fresh app for in-process tests: the real config loader, access set-up and build, with the
 * console captured. Torn down with the test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, FastifyServerFactory } from 'fastify'
import type { Test } from 'tap'
import { dump } from 'js-yaml'
import type { ContainerProbe } from '../../src/access/docker-hosts.js'
import { setUpAccess } from '../../src/cli/access.js'
import type { AccessSetup } from '../../src/cli/access.js'
import { openAccounts } from '../../src/cli/accounts.js'
import type { OpenedAccounts } from '../../src/cli/accounts.js'
import type { Config } from '../../src/config/config.js'
import { loadConfig } from '../../src/config/load.js'
import { createConsoleLogger } from '../../src/log/console.js'
import { build } from '../../src/server/build.js'
import { Lifecycle } from '../../src/server/lifecycle.js'
import { NOT_IN_CONTAINER } from './io.js'

export interface TestApp {
  app: FastifyInstance
  config: Config
  access: AccessSetup
  lifecycle: Lifecycle
  dir: string
  /** With enableUserAccounts: the accounts, opened as the server opens them. */
  accounts: OpenedAccounts | undefined
  /** Everything printed so far on stdout / stderr. */
  out: () => string
  err: () => string
}

export interface TestAppOptions {
  serverFactory?: FastifyServerFactory
  probe?: ContainerProbe
  hostname?: string
  /** Extra files in the base directory (e.g. whitelist.txt). */
  files?: Record<string, string>
  env?: Record<string, string>
  /** The clock of the brute-force limits. */
  now?: () => number
  /** The base directory to use (default: a fresh temporary one). */
  dir?: string
  /** log2 of scrypt's cost of account passwords the server hashes (default 10: fast tests). */
  hashCost?: number
  /** Called with the accounts before the app is built (to add some). */
  prepare?: (accounts: OpenedAccounts) => Promise<void>
  /** What /healthz says in JSON to this computer. */
  health?: () => Record<string, unknown>
}

export async function testApp (t: Test, overrides: Record<string, unknown> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tavern-app-'))
  writeFileSync(join(dir, 'config.yaml'), dump(overrides))
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text)
  const load = (): Config => loadConfig({ cwd: dir, env: options.env ?? {} }).config
  const config = load()
  let out = ''
  let err = ''
  const streams = { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } } }
  const logger = createConsoleLogger(config.logging.minLogLevel, streams)
  const lifecycle = new Lifecycle()
  t.teardown(() => lifecycle.close())
  let accounts: OpenedAccounts | undefined
  if (config.enableUserAccounts) {
    mkdirSync(config.dataRoot, { recursive: true })
    accounts = await openAccounts({ config, dataRoot: config.dataRoot, identity: { pid: process.pid, hostname: 'tavern-test', isRunning: () => true }, lifecycle, logger, now: options.now ?? Date.now })
    await options.prepare?.(accounts)
  }
  const access = await setUpAccess({
    ...(accounts === undefined ? {} : { accounts }),
    hashCost: options.hashCost ?? 10,
    config,
    reloadConfig: load,
    hostname: options.hostname ?? 'tavern-test',
    probe: options.probe ?? NOT_IN_CONTAINER,
    logger,
    lifecycle,
    print: (line) => { out += `${line}\n` },
    printError: (line) => { err += `${line}\n` },
    ...(options.now === undefined ? {} : { now: options.now })
  })
  const app = await build({
    config,
    logger,
    policy: access.policy,
    ...(options.health === undefined ? {} : { health: options.health }),
    ...(options.serverFactory === undefined ? {} : { serverFactory: options.serverFactory })
  })
  t.teardown(() => app.close())
  return { app, config, access, lifecycle, dir, accounts, out: () => out, err: () => err }
}
