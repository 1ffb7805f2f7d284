import type { Kysely } from 'kysely';
import { canonicalLanguage } from '../core/locale.js';
import { checkTemplate } from '../core/template.js';
import { ParleyError } from '../errors.js';
import type { Database, TemplateRow } from '../store/schema.js';
import { maxBodyLength } from './send.js';

// Named templates, kept in the database and managed through /v1/templates. A template is a main
// text in one language and any number of variants in others; the contact's language picks one
// (outbound/template-render.ts). What a template may refer to is checked when it is saved, so a
// typo in a variable's namespace is a 422 for the person writing it, not a blank in a customer's text.

/** The namespaces a template's placeholders may read: the contact, the request's vars, the business's name. */
export const templateNamespaces = ['contact', 'vars', 'business'] as const;
/** Of those, the ones that are a single value (the business's name), with nothing below them. */
const singleValues = ['business'] as const;

export const templateNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface TemplateInput {
  description?: string | null;
  /** The language `body` is written in; the deployment's default language when absent. */
  language?: string;
  body: string;
  variants?: Record<string, string>;
}

export interface Template {
  name: string;
  description: string | null;
  language: string;
  body: string;
  /** Canonical language tag → text. */
  variants: Record<string, string>;
  created_at: number;
  updated_at: number;
}

export function templateFromRow(row: TemplateRow): Template {
  return { ...row, variants: JSON.parse(row.variants) as Record<string, string> };
}

/**
 * Checks a template as written and returns it with its language tags canonical; a 422
 * `template_invalid` names every problem at once, so one correction fixes them all.
 */
export function readTemplateInput(input: TemplateInput, defaultLanguage: string): Omit<Template, 'name' | 'created_at' | 'updated_at'> {
  const problems: string[] = [];
  const language = input.language === undefined ? defaultLanguage : canonicalLanguage(input.language);
  if (language === null) problems.push(`language: "${input.language}" is not a language tag (e.g. "en", "es-MX")`);
  const texts: Array<[string, string]> = [['body', input.body]];
  const variants: Record<string, string> = {};
  for (const [tag, text] of Object.entries(input.variants ?? {})) {
    const canonical = canonicalLanguage(tag);
    if (canonical === null) problems.push(`variants: "${tag}" is not a language tag (e.g. "es", "fr-CA")`);
    else if (canonical === language || canonical in variants)
      problems.push(`variants: "${tag}" is given twice (the main text is ${language})`);
    else variants[canonical] = text;
    texts.push([`variants.${tag}`, text]);
  }
  for (const [where, text] of texts) {
    if (text.length === 0) problems.push(`${where}: must not be empty`);
    if (text.length > maxBodyLength) problems.push(`${where}: longer than ${maxBodyLength} characters`);
    for (const problem of checkTemplate(text, templateNamespaces, singleValues)) problems.push(`${where}: ${problem}`);
  }
  if (problems.length > 0) throw new ParleyError('template_invalid', problems.join('; '));
  return { description: input.description ?? null, language: language!, body: input.body, variants };
}

export async function loadTemplate(db: Kysely<Database>, name: string): Promise<Template | null> {
  const row = await db.selectFrom('templates').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? templateFromRow(row) : null;
}

export async function listTemplates(db: Kysely<Database>): Promise<Template[]> {
  return (await db.selectFrom('templates').selectAll().orderBy('name').execute()).map(templateFromRow);
}

/**
 * Stores a template: `create` refuses a name in use (409 `template_exists`), `replace` writes over
 * it or creates it. Returns the template and whether it is new.
 */
export async function saveTemplate(
  trx: Kysely<Database>,
  name: string,
  input: TemplateInput,
  mode: 'create' | 'replace',
  defaultLanguage: string,
  now = Date.now(),
): Promise<{ template: Template; created: boolean }> {
  if (!templateNamePattern.test(name)) {
    throw new ParleyError('invalid_payload', 'name: lowercase letters, digits, "-" and "_", starting with a letter or digit, at most 64.');
  }
  const checked = readTemplateInput(input, defaultLanguage);
  const row = { ...checked, variants: JSON.stringify(checked.variants) };
  const existing = await trx.selectFrom('templates').select('created_at').where('name', '=', name).executeTakeFirst();
  if (existing && mode === 'create')
    throw new ParleyError('template_exists', `A template is already named "${name}"; PUT /v1/templates/${name} replaces it.`);
  if (existing) {
    await trx
      .updateTable('templates')
      .set({ ...row, updated_at: now })
      .where('name', '=', name)
      .execute();
    return { template: { name, ...checked, created_at: existing.created_at, updated_at: now }, created: false };
  }
  await trx
    .insertInto('templates')
    .values({ name, ...row, created_at: now, updated_at: now })
    .execute();
  return { template: { name, ...checked, created_at: now, updated_at: now }, created: true };
}

export async function deleteTemplate(trx: Kysely<Database>, name: string): Promise<boolean> {
  const result = await trx.deleteFrom('templates').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
