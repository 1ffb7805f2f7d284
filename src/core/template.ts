/**
 * Fills `{{ path.to.value }}` placeholders from `values` (dotted paths into nested objects). A
 * missing value renders as nothing rather than as the placeholder: a customer should never read
 * "Hi {{contact.fields.first_name}}".
 */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
    let value: unknown = values;
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object') return '';
      value = (value as Record<string, unknown>)[key];
    }
    switch (typeof value) {
      case 'string':
        return value;
      case 'number':
      case 'boolean':
      case 'bigint':
        return String(value);
      case 'object':
        // A list or a nested object reads as JSON rather than "[object Object]"; null as nothing.
        return value === null ? '' : JSON.stringify(value);
      default:
        return '';
    }
  });
}
