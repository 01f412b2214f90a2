import { describe, expect, it } from 'vitest';
import { errorAnswerFor } from '../../../src/http/error-response.js';
import { RegistryError } from '../../../src/oci/registry-error.js';
import { StoreError } from '../../../src/store/store-error.js';
import { UpstreamError } from '../../../src/upstream/upstream-error.js';

const up = (failure: ConstructorParameters<typeof UpstreamError>[0], options = {}) => new UpstreamError(failure, 'docker.io', 'msg', options);

describe('errorAnswerFor', () => {
  it('maps upstream failures as DESIGN.md says', () => {
    expect(errorAnswerFor(up('unreachable')).status).toBe(502);
    expect(errorAnswerFor(up('server-error')).status).toBe(502);
    expect(errorAnswerFor(up('bad-response')).status).toBe(502);
    expect(errorAnswerFor(up('timeout')).status).toBe(504);
    expect(errorAnswerFor(up('offline')).status).toBe(503);
    const limited = errorAnswerFor(up('rate-limited', { retryAfterSeconds: 7 }));
    expect([limited.status, limited.body.errors[0]?.code, limited.headers['Retry-After']]).toEqual([429, 'TOOMANYREQUESTS', '7']);
    expect(errorAnswerFor(up('denied')).body.errors[0]?.code).toBe('DENIED');
    expect(errorAnswerFor(up('denied')).status).toBe(403);
    const missing = errorAnswerFor(up('not-found', { upstreamCode: 'BLOB_UNKNOWN' }));
    expect([missing.status, missing.body.errors[0]?.code]).toEqual([404, 'BLOB_UNKNOWN']);
    expect(errorAnswerFor(up('not-found', { upstreamCode: 'WEIRD' })).body.errors[0]?.code).toBe('MANIFEST_UNKNOWN');
  });
  it('keeps registry errors as they are and hides internal ones', () => {
    const answer = errorAnswerFor(new RegistryError('NAME_INVALID', 'bad', { detail: { name: 'X' } }));
    expect(answer).toMatchObject({ status: 400, internal: false, body: { errors: [{ code: 'NAME_INVALID', message: 'bad', detail: { name: 'X' } }] } });
    const internal = errorAnswerFor(new Error('secret path /root/x'));
    expect(internal.status).toBe(500);
    expect(internal.internal).toBe(true);
    expect(JSON.stringify(internal.body)).not.toContain('/root/x');
    expect(errorAnswerFor(new StoreError('ENOSPC', 'disk full')).status).toBe(503);
  });
});
