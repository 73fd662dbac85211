/**
 * `tavern-server cert`: a self-signed certificate and key at ssl.certPath / ssl.keyPath, valid for
 * this computer's names and every LAN address it has, with the fingerprint to compare on a phone.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import { TVS_ERR_TLS_CERT_EXISTS, TVS_ERR_TLS_CERT_WRITE } from '../../errors.js'
import { commandLine } from '../../invocation.js'
import { lazyImport } from '../../lazy-import.js'
import type { Interfaces } from '../../server/listen-plan.js'
import { parsedFlags } from '../program.js'
import { readInterfaces } from '../interface-table.js'
import type { CommandContext } from './index.js'

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/**
 * localhost, this computer's host name (and its .local name, which phones resolve on the LAN
 * through mDNS), loopback and every address of a network interface. IPv6 link-local addresses
 * are left out: a browser cannot open them without a zone id.
 */
export function certificateNames (hostname: string, interfaces: Interfaces): { commonName: string, names: string[] } {
  const host = hostname.trim().toLowerCase()
  const hostNames = DNS_NAME.test(host) && host !== 'localhost' ? [host, ...(host.includes('.') ? [] : [`${host}.local`])] : []
  const addresses = Object.values(interfaces).flatMap((list) => list ?? [])
    .filter((info) => !info.internal && !info.address.toLowerCase().startsWith('fe80:'))
    .map((info) => info.address)
  return {
    commonName: hostNames[0] ?? 'localhost',
    names: [...new Set(['localhost', ...hostNames, '127.0.0.1', '::1', ...addresses])]
  }
}

type WriteAtomic = (file: string, data: string, options: { mode: number }) => void

function write (writeAtomic: WriteAtomic, file: string, data: string, mode: number): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    // Written aside and renamed into place, with the mode set before any byte lands in it.
    writeAtomic(file, data, { mode })
  } catch (error) {
    throw new TVS_ERR_TLS_CERT_WRITE(file, (error as Error).message, { cause: error })
  }
}

export function registerCert (program: Command, { io, finish }: CommandContext): void {
  program.command('cert')
    .description('make a self-signed HTTPS certificate and key (at ssl.certPath and ssl.keyPath) for this computer\'s names and addresses, and print its fingerprint')
    .option('--force', 'replace an existing certificate and key')
    .action(async (options: { force?: true }, command: Command) => {
      const parsed = parsedFlags(command)
      const { loadWithFlags } = await lazyImport(() => import('../flag-config.js'))
      const { config, notices, warnings } = loadWithFlags(parsed, io)
      for (const line of notices) io.stdout.write(`${line}\n`)
      for (const line of warnings) io.stderr.write(`${line}\n`)
      const { certPath, keyPath, keyPassphrase } = config.ssl
      const existing = [certPath, keyPath].filter((file) => existsSync(file))
      if (existing.length > 0 && options.force !== true) {
        throw new TVS_ERR_TLS_CERT_EXISTS(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}`, commandLine('cert'))
      }
      const table = readInterfaces(io.interfaces)
      if (table.error !== undefined) {
        io.stderr.write(`Cannot list this computer's network addresses (${table.error}), so the certificate covers its names only: open it by name (${io.hostname()}.local) on other devices, or give this computer's address with a certificate of your own.\n`)
      }
      const { commonName, names } = certificateNames(io.hostname(), table.interfaces)
      // Loaded here only, so the server itself never loads the certificate generator, nor the
      // atomic writer (and the exit handlers it installs).
      const [{ makeSelfSigned }, { formatDate }, { default: writeFileAtomic }] = await lazyImport(() => Promise.all([import('../../server/tls-self-signed.js'), import('../../server/tls-pair.js'), import('write-file-atomic')]))
      const made = await makeSelfSigned({ commonName, names, passphrase: keyPassphrase })
      write(writeFileAtomic.sync, keyPath, made.key, 0o600)
      write(writeFileAtomic.sync, certPath, made.cert, 0o644)
      const encrypted = keyPassphrase === '' ? '' : ', encrypted with ssl.keyPassphrase'
      io.stdout.write([
        `Wrote a self-signed certificate to ${certPath}`,
        `and its private key to ${keyPath} (mode 0600: only you can read it${encrypted}).`,
        `Valid for: ${names.join(', ')}`,
        `Valid until: ${formatDate(new Date(made.certificate.validTo))}`,
        `SHA-256 fingerprint: ${made.certificate.fingerprint256}`,
        'The first time a phone or another computer connects, its browser warns that it does not know this certificate:',
        'open the certificate details there and go on only if its SHA-256 fingerprint is the one above.',
        config.ssl.enabled
          ? `HTTPS is on in ${config.configPath}; a running tavern-server picks up the new certificate by itself.`
          : `Turn HTTPS on: ${commandLine('--ssl')}, or ssl.enabled: true in ${config.configPath}.`,
        `When this computer gets a new name or address (another network), run ${commandLine('cert --force')} again.`,
        ''
      ].join('\n'))
      finish({ kind: 'exit', code: 0 })
    })
}
