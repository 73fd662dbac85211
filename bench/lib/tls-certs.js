/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost, made
 * with openssl at bench time, so the TLS cases verify the handshake against their own CA.
 */
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runToEnd, lastLine } from './processes.js'

async function openssl (dir, args) {
  const result = await runToEnd('openssl', args, { cwd: dir, timeoutMs: 60_000 })
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed (${result.code}): ${lastLine(result.err)}`)
}

/** @returns {{ caPath: string, ca: Buffer, keyPath: string, certPath: string }} */
export async function makeCertificates (dir) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'leaf.ext'), [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1, DNS:localhost',
    ''
  ].join('\n'))
  await openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=tavern-server bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'privkey.pem', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1'])
  await openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'cert.pem', '-days', '2', '-extfile', 'leaf.ext'])
  const caPath = join(dir, 'ca.pem')
  return { caPath, ca: readFileSync(caPath), keyPath: join(dir, 'privkey.pem'), certPath: join(dir, 'cert.pem') }
}
