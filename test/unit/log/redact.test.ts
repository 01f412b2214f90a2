import { describe, expect, it } from 'vitest';
import { redactFields, redactUrlCredentials, REDACTED } from '../../../src/log/redact.js';

describe('log redaction', () => {
  it('redacts secret-looking keys at any depth', () => {
    const out = redactFields({ password: 'hunter2', nested: { Authorization: 'Bearer abc', ok: 1 }, token: 't' });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|Bearer abc|"t"/);
    expect(out).toMatchObject({ password: REDACTED, nested: { Authorization: REDACTED, ok: 1 } });
  });
  it('strips URL credentials and signed query parameters', () => {
    expect(redactUrlCredentials('GET https://user:pw@host/x')).toBe('GET https://host/x');
    expect(redactUrlCredentials('https://cdn/x?X-Amz-Signature=abc&a=1')).toBe(`https://cdn/x?X-Amz-Signature=${REDACTED}&a=1`);
    expect(redactUrlCredentials('/data?verify=123-sig')).toBe(`/data?verify=${REDACTED}`);
  });
  it('redacts error messages', () => {
    const out = redactFields({ error: new Error('fetch https://u:p@h/ failed') });
    expect(JSON.stringify(out)).not.toContain('u:p@');
  });
});
