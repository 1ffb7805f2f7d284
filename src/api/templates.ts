import type { FastifyInstance } from 'fastify';
import { canonicalLanguage, canonicalTimeZone } from '../core/locale.js';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import { maxBodyLength } from '../outbound/send.js';
import { readerOf, renderForReader, type Reader } from '../outbound/template-render.js';
import {
  deleteTemplate,
  listTemplates,
  loadTemplate,
  readTemplateInput,
  saveTemplate,
  type Template,
  type TemplateInput,
} from '../outbound/templates.js';
import type { EngineContext } from '../runtime/context.js';
import { dateTime, listOf, noContent, nullable, object, params, v1Responses } from '../http/schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

function templateJson(t: Template) {
  return {
    name: t.name,
    description: t.description,
    language: t.language,
    body: t.body,
    variants: t.variants,
    created_at: iso(t.created_at),
    updated_at: iso(t.updated_at),
  };
}

const text = { type: 'string', minLength: 1, maxLength: 1600 } as const;
const templateProperties = {
  description: { type: ['string', 'null'], maxLength: 500 },
  language: { type: 'string', minLength: 1, maxLength: 35 },
  body: text,
  variants: { type: 'object', maxProperties: 50, additionalProperties: text },
} as const;

const createSchema = {
  type: 'object',
  required: ['name', 'body'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, ...templateProperties },
} as const;

const replaceSchema = { type: 'object', required: ['body'], additionalProperties: false, properties: templateProperties } as const;

/** Who to preview for: a number (its contact as stored), and any of the contact's settings to try instead. */
interface PreviewFor {
  to?: string;
  contact?: { language?: string; timezone?: string; fields?: Record<string, string> };
  vars?: Record<string, unknown>;
}

const previewProperties = {
  to: { type: 'string', minLength: 1, maxLength: 64 },
  contact: {
    type: 'object',
    additionalProperties: false,
    properties: {
      language: { type: 'string', minLength: 1, maxLength: 35 },
      timezone: { type: 'string', minLength: 1, maxLength: 64 },
      fields: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 1024 } },
    },
  },
  vars: { type: 'object', maxProperties: 64 },
} as const;

const previewSchema = { type: 'object', additionalProperties: false, properties: previewProperties } as const;
const inlinePreviewSchema = {
  type: 'object',
  required: ['template'],
  additionalProperties: false,
  properties: { ...previewProperties, template: replaceSchema },
} as const;

const templateSchema = object({
  name: { type: 'string' },
  description: nullable('string'),
  language: { type: 'string' },
  body: { type: 'string' },
  variants: { type: 'object', additionalProperties: { type: 'string' }, description: 'Language tag → text.' },
  created_at: dateTime,
  updated_at: dateTime,
});

const previewAnswer = object({
  template: { type: 'string' },
  language: { type: 'string' },
  locale: { type: 'string' },
  timezone: { type: 'string' },
  text: { type: 'string' },
  characters: { type: 'integer' },
  segments: { type: 'integer' },
  encoding: { type: 'string', enum: ['GSM-7', 'UCS-2'] },
  warnings: {
    type: 'array',
    items: object({
      code: { type: 'string', enum: ['missing_variable', 'invalid_value', 'too_long'] },
      variable: nullable('string'),
      message: { type: 'string' },
    }),
  },
});

/** Templates: saved, listed, replaced, deleted, and previewed for a contact before anything is sent. */
export function registerTemplateRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;
  const defaultLanguage = ctx.config.outbound.default_language;
  const find = async (name: string) => {
    const template = await loadTemplate(db, name);
    if (!template) throw new ParleyError('not_found', `No template is named "${name.slice(0, 64)}".`);
    return template;
  };

  const named = { params: params('name') };
  api.get(
    '/v1/templates',
    { schema: { summary: 'Templates, by name', response: v1Responses({ 200: listOf(templateSchema) }) } },
    async () => ({
      data: (await listTemplates(db)).map(templateJson),
    }),
  );

  api.get<{ Params: { name: string } }>(
    '/v1/templates/:name',
    { schema: { summary: 'A template', ...named, response: v1Responses({ 200: templateSchema }, 'not_found') } },
    async (request) => templateJson(await find(request.params.name)),
  );

  api.post<{ Body: TemplateInput & { name: string } }>(
    '/v1/templates',
    {
      schema: {
        summary: 'Save a new template',
        body: createSchema,
        response: v1Responses({ 201: templateSchema }, 'template_exists', 'template_invalid'),
      },
    },
    async (request, reply) => {
      const { name, ...input } = request.body;
      const { template } = await ctx.store.write((trx) => saveTemplate(trx, name, input, 'create', defaultLanguage));
      return reply.status(201).send(templateJson(template));
    },
  );

  api.put<{ Params: { name: string }; Body: TemplateInput }>(
    '/v1/templates/:name',
    {
      schema: {
        summary: 'Replace (or create) a template',
        ...named,
        body: replaceSchema,
        response: v1Responses({ 200: templateSchema, 201: templateSchema }, 'template_invalid'),
      },
    },
    async (request, reply) => {
      const saved = await ctx.store.write((trx) => saveTemplate(trx, request.params.name, request.body, 'replace', defaultLanguage));
      return reply.status(saved.created ? 201 : 200).send(templateJson(saved.template));
    },
  );

  api.delete<{ Params: { name: string } }>(
    '/v1/templates/:name',
    { schema: { summary: 'Delete a template', ...named, response: v1Responses({ 204: noContent }, 'not_found') } },
    async (request, reply) => {
      if (!(await ctx.store.write((trx) => deleteTemplate(trx, request.params.name)))) {
        throw new ParleyError('not_found', `No template is named "${request.params.name.slice(0, 64)}".`);
      }
      return reply.status(204).send();
    },
  );

  api.post<{ Params: { name: string }; Body: PreviewFor }>(
    '/v1/templates/:name/preview',
    {
      schema: {
        summary: 'Preview a template for a contact',
        ...named,
        body: previewSchema,
        response: v1Responses({ 200: previewAnswer }, 'not_found', 'invalid_phone_number'),
      },
    },
    async (request) => preview(await find(request.params.name), request.body),
  );

  // A template not saved yet (an editor's draft), checked as saving would check it.
  api.post<{ Body: PreviewFor & { template: TemplateInput } }>(
    '/v1/templates/preview',
    {
      schema: {
        summary: 'Preview a draft template',
        body: inlinePreviewSchema,
        response: v1Responses({ 200: previewAnswer }, 'template_invalid', 'invalid_phone_number'),
      },
    },
    async (request) => {
      const draft = readTemplateInput(request.body.template, defaultLanguage);
      return preview({ name: '(draft)', ...draft, created_at: 0, updated_at: 0 }, request.body);
    },
  );

  async function preview(template: Template, request: PreviewFor) {
    const reader = await readerFor(request);
    const rendered = renderForReader(template, reader, request.vars ?? {}, ctx.config);
    const warnings = [
      ...rendered.missing.map((path) => ({
        code: 'missing_variable',
        variable: path,
        message: `{{${path}}} has no value: it would be left out, and a send is refused until it has one (or | default:"…").`,
      })),
      ...rendered.invalid.map(({ path, problem }) => ({ code: 'invalid_value', variable: path, message: `{{${path}}}: ${problem}` })),
      ...(rendered.text.length > maxBodyLength
        ? [
            {
              code: 'too_long',
              variable: null,
              message: `The text is ${rendered.text.length} characters; at most ${maxBodyLength} are sent.`,
            },
          ]
        : []),
    ];
    return {
      template: template.name,
      language: rendered.language,
      locale: rendered.locale,
      timezone: rendered.timezone,
      text: rendered.text,
      characters: rendered.characters,
      segments: rendered.segments,
      encoding: rendered.encoding,
      warnings,
    };
  }

  /** The contact of `to` as stored (if any), with the request's own settings laid over it. */
  async function readerFor(request: PreviewFor): Promise<Reader> {
    let phone: string | null = null;
    if (request.to !== undefined) {
      phone = toE164(request.to);
      if (!phone) throw new ParleyError('invalid_phone_number', `to: "${request.to.slice(0, 40)}" is not a phone number.`);
    }
    const stored = phone === null ? undefined : await db.selectFrom('contacts').selectAll().where('phone', '=', phone).executeTakeFirst();
    const reader = readerOf(stored, phone);
    const given = request.contact ?? {};
    if (given.language !== undefined) {
      reader.language = canonicalLanguage(given.language);
      if (reader.language === null)
        throw new ParleyError('invalid_payload', `contact.language: "${given.language}" is not a language tag.`);
    }
    if (given.timezone !== undefined) {
      reader.timezone = canonicalTimeZone(given.timezone);
      if (reader.timezone === null)
        throw new ParleyError('invalid_payload', `contact.timezone: "${given.timezone}" is not an IANA time zone.`);
    }
    if (given.fields !== undefined) reader.fields = { ...reader.fields, ...given.fields };
    return reader;
  }
}
