import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html, raw } from './html.js';

describe('html', () => {
  it('escapes every interpolated string, including quotes and backticks', () => {
    const hostile = `<img src=x onerror=alert(1)>"'\`&</script><script>`;
    assert.equal(
      html`<p title="${hostile}">${hostile}</p>`.value,
      '<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&#96;&amp;&lt;/script&gt;&lt;script&gt;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&#96;&amp;&lt;/script&gt;&lt;script&gt;</p>',
    );
  });

  it('places nested templates and raw() as they are, joins arrays, drops null and booleans', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    // prettier-ignore
    assert.equal(html`<ul>${items}</ul>${null}${undefined}${false}${true}${0}${raw('<br>')}`.value, '<ul><li>&lt;a&gt;</li><li>b</li></ul>0<br>');
  });

  it('does not trust an object that only looks like a template', () => {
    const fake = { value: '<script>' } as unknown as string;
    assert.throws(() => html`${fake}`, TypeError);
  });
});
