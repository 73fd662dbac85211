/**
 * Request bodies of our own pages and API: JSON, or a form (`application/x-www-form-urlencoded`),
 * at most 16 KiB, and nothing else (text/plain is what a cross-site request can send without
 * asking first). Fields are read strictly: a missing or wrong-typed field is a 400 naming it.
 */
import type { FastifyInstance } from 'fastify'
import { TVS_ERR_ACCOUNT_INPUT } from '../errors.js'

export const BODY_LIMIT = 16 * 1024
export const FORM = 'application/x-www-form-urlencoded'

/** A form's fields; the first of a repeated field counts. */
export function parseForm (text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [name, value] of new URLSearchParams(text)) {
    if (!(name in fields)) fields[name] = value
  }
  return fields
}

/** Replaces the instance's body parsers with JSON and forms, both limited to BODY_LIMIT. */
export function acceptJsonAndForms (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, app.getDefaultJsonParser('error', 'error'))
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, parseForm(body as string))
  })
}

function fieldsOf (body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {}
}

/**
 * A text field. `max` counts characters; `optional` turns a missing field into ''.
 * @throws TVS_ERR_ACCOUNT_INPUT (400) naming the field
 */
export function textField (body: unknown, name: string, options: { max: number, optional?: boolean }): string {
  const value = fieldsOf(body)[name]
  if (value === undefined && options.optional === true) return ''
  if (typeof value !== 'string') throw new TVS_ERR_ACCOUNT_INPUT(`The field "${name}" is missing or not text.`)
  if (value.length > options.max) throw new TVS_ERR_ACCOUNT_INPUT(`The field "${name}" is longer than ${options.max} characters.`)
  return value
}

/** A yes/no field: JSON true/false, or a form checkbox (present: yes). */
export function flagField (body: unknown, name: string): boolean {
  const value = fieldsOf(body)[name]
  if (value === undefined || value === false) return false
  if (value === true || value === 'on' || value === 'true' || value === '1') return true
  throw new TVS_ERR_ACCOUNT_INPUT(`The field "${name}" must be true or false.`)
}
