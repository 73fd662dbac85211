/**
 * The sub-commands (`tavern-server <command>`). Each registers itself on the program; its action
 * ends with `finish` (the exit code), or throws a catalogued error (exit 1).
 */
import type { Command } from 'commander'
import type { Io, RunningServer } from '../serve.js'
import { registerCert } from './cert.js'
import { registerCheckAccess } from './check-access.js'
import { registerConfig } from './config.js'
import { registerDoctor } from './doctor.js'
import { registerHashPassword } from './hash-password.js'
import { registerService } from './service.js'
import { registerUsers } from './users.js'

export type Outcome = { kind: 'exit', code: number } | { kind: 'serving', server: RunningServer }

export interface CommandContext {
  io: Io
  /** Sets what the command line ends with once the action has run. */
  finish (outcome: Outcome): void
}

export type RegisterCommand = (program: Command, context: CommandContext) => void

export const COMMANDS: readonly RegisterCommand[] = [registerConfig, registerCheckAccess, registerDoctor, registerHashPassword, registerCert, registerService, registerUsers]
