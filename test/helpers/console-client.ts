import { request } from 'undici';

/** A browser stand-in for server-side console tests: keeps cookies, reads CSRF tokens from pages. */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(setCookie: string | string[] | undefined): void {
    for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await request(`${this.base}${path}`, { headers: { cookie: this.cookieHeader(), ...headers } });
    this.keep(res.headers['set-cookie']);
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await request(`${this.base}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(res.headers['set-cookie']);
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  /** Opens the login page and submits it. */
  async login(email: string, password: string) {
    const page = await this.get('/console/login');
    return this.post('/console/login', { csrf: hiddenValue(page.text, 'csrf')!, email, password });
  }

  /** Opens `path` and submits the form whose action is `action`, with its hidden fields and `fields`. */
  async submit(path: string, action: string, fields: Record<string, string> = {}) {
    const page = await this.get(path);
    const form = formWithAction(page.text, action);
    if (!form) throw new Error(`no form posting to ${action} on ${path}`);
    return this.post(action, { ...hiddenFields(form), ...fields });
  }
}

export function hiddenValue(html: string, name: string): string | undefined {
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"\\s*/?>`).exec(html)?.[1];
}

function formWithAction(html: string, action: string): string | undefined {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`<form\\s+method="post"\\s+action="${escaped}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
}

function hiddenFields(form: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) fields[match[1]!] = match[2]!;
  return fields;
}
