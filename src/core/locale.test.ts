import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalLanguage, canonicalTimeZone, chooseLanguage, formattingLocale } from './locale.js';

describe('locale', () => {
  it('canonicalizes languages and time zones, and refuses what ICU does not know', () => {
    assert.equal(canonicalLanguage('ES-mx'), 'es-MX');
    assert.equal(canonicalLanguage('en_US'), null);
    assert.equal(canonicalLanguage('x'), null);
    assert.equal(canonicalTimeZone('america/new_york'), 'America/New_York');
    assert.equal(canonicalTimeZone('Mars/Olympus_Mons'), null);
    assert.equal(canonicalTimeZone(''), null);
  });

  it("chooses the reader's language, else the same language of another region, else none", () => {
    const variants = ['es', 'fr-CA', 'pt-BR'];
    assert.equal(chooseLanguage(variants, 'es'), 'es');
    assert.equal(chooseLanguage(variants, 'es-MX'), 'es');
    assert.equal(chooseLanguage(variants, 'fr'), 'fr-CA');
    assert.equal(chooseLanguage(variants, 'de'), null);
    assert.equal(chooseLanguage(variants, null), null);
  });

  it("writes dates in the reader's region when they read a form of the text's language", () => {
    assert.equal(formattingLocale('es', 'es-MX'), 'es-MX');
    assert.equal(formattingLocale('en', 'de'), 'en');
    assert.equal(formattingLocale('en', null), 'en');
  });
});
