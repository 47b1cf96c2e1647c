import { describe, expect, it } from 'vitest';
import { validateLandline } from './cn-landline.ts';

describe('validateLandline', () => {
  it('accepts the common written forms', () => {
    const beijing = { ok: true, areaCode: '010', local: '62345678' };
    for (const written of ['010-62345678', '01062345678', '010 6234 5678', '(010)62345678', '（010）62345678', '(010) 6234-5678', '+86 10 62345678', '+86-10-62345678', '0086 10 62345678', '86-10-62345678', '(+86)10 62345678', '+86 010 62345678']) {
      expect(validateLandline(written)).toEqual(beijing);
    }
    expect(validateLandline('0755-86013388')).toEqual({ ok: true, areaCode: '0755', local: '86013388' });
    expect(validateLandline('075586013388')).toEqual({ ok: true, areaCode: '0755', local: '86013388' });
    expect(validateLandline('0931-8123456')).toEqual({ ok: true, areaCode: '0931', local: '8123456' });
    expect(validateLandline('021-5123456')).toEqual({ ok: true, areaCode: '021', local: '5123456' });
  });

  it('separates an extension', () => {
    expect(validateLandline('010-62345678-123')).toEqual({ ok: true, areaCode: '010', local: '62345678', extension: '123' });
    expect(validateLandline('010-62345678转123')).toMatchObject({ ok: true, extension: '123' });
    expect(validateLandline('010-62345678 分机 8001')).toMatchObject({ ok: true, extension: '8001' });
    expect(validateLandline('0755-86013388 ext. 12')).toMatchObject({ ok: true, local: '86013388', extension: '12' });
    expect(validateLandline('0755-86013388#12')).toMatchObject({ ok: true, extension: '12' });
  });

  it('requires an area code', () => {
    expect(validateLandline('62345678')).toEqual({ ok: false, reason: 'missing-area-code' });
    expect(validateLandline('13912345678')).toEqual({ ok: false, reason: 'missing-area-code' });
    expect(validateLandline('400-810-8888')).toEqual({ ok: false, reason: 'missing-area-code' });
  });

  it('rejects area codes outside the plan', () => {
    expect(validateLandline('011-62345678')).toEqual({ ok: false, reason: 'bad-area-code' });
    expect(validateLandline('00-62345678')).toEqual({ ok: false, reason: 'bad-area-code' });
  });

  it('checks the local number', () => {
    expect(validateLandline('010-6234567')).toMatchObject({ ok: true });
    expect(validateLandline('010-623456')).toEqual({ ok: false, reason: 'bad-length' });
    expect(validateLandline('010-623456789')).toEqual({ ok: false, reason: 'bad-length' });
    expect(validateLandline('010-02345678')).toEqual({ ok: false, reason: 'bad-local-number' });
    expect(validateLandline('010-12345678')).toEqual({ ok: false, reason: 'bad-local-number' });
  });

  it('rejects letters', () => {
    expect(validateLandline('010-6234567a')).toEqual({ ok: false, reason: 'bad-character' });
    expect(validateLandline('')).toEqual({ ok: false, reason: 'bad-character' });
  });

  it('takes the local length range as options', () => {
    expect(validateLandline('010-62345678', { minLocalLength: 8, maxLocalLength: 8 })).toMatchObject({ ok: true });
    expect(validateLandline('010-6234567', { minLocalLength: 8, maxLocalLength: 8 })).toEqual({ ok: false, reason: 'bad-length' });
  });
});
