import { describe, expect, it } from 'vitest';
import { classifyAttribution, ttclidFromLandingPage } from '@/lib/commerce/attribution';
import type { Visit } from '@/lib/commerce/types';

const last = (visit: Visit) => ({ first: null, last: visit });
const first = (visit: Visit) => ({ first: visit, last: null });

describe('classifyAttribution', () => {
  it('is pending while the platform has not finished the journey', () => {
    expect(classifyAttribution('pending')).toEqual({
      attribution: 'pending',
      visit: null,
      ttclid: null,
      utmSource: null,
      referrerHost: null,
    });
  });

  it('is none without visits or evidence', () => {
    expect(classifyAttribution({}).attribution).toBe('none');
    expect(classifyAttribution({ first: null, last: null }).attribution).toBe('none');
    expect(classifyAttribution(last({ landingPage: '/products/hat?utm_source=google', referrerUrl: 'https://www.google.com/' }))).toEqual({
      attribution: 'none',
      visit: null,
      ttclid: null,
      utmSource: null,
      referrerHost: null,
    });
  });

  it('finds ttclid in a relative landing path and keeps the other evidence of that visit', () => {
    expect(classifyAttribution(last({ landingPage: '/products/hat?utm_source=TikTok&ttclid=E.C.P.abc123' }))).toEqual({
      attribution: 'click_id',
      visit: 'last',
      ttclid: 'E.C.P.abc123',
      utmSource: 'TikTok',
      referrerHost: null,
    });
  });

  it('finds ttclid in a full landing URL', () => {
    const result = classifyAttribution(first({ landingPage: 'https://shop.example/?ttclid=xyz' }));
    expect(result).toMatchObject({ attribution: 'click_id', visit: 'first', ttclid: 'xyz' });
  });

  it('ignores an empty ttclid, the wallet landing path and a missing landing page', () => {
    expect(classifyAttribution(last({ landingPage: '/?ttclid=' })).attribution).toBe('none');
    expect(classifyAttribution(last({ landingPage: '/wallets/checkouts.json' })).attribution).toBe('none');
    expect(classifyAttribution(last({ landingPage: null })).attribution).toBe('none');
  });

  it.each([
    ['tiktok', true],
    ['  TikTok_Ads ', true],
    ['TIKTOK.com', true],
    ['tt', true],
    [' TT ', true],
    ['ttt', false],
    ['twitter', false],
    ['', false],
  ])('utm_source %j is TikTok: %s', (source, isTikTok) => {
    const result = classifyAttribution(last({ utmSource: source }));
    expect(result.attribution).toBe(isTikTok ? 'utm' : 'none');
    if (isTikTok) expect(result.utmSource).toBe(source.trim());
  });

  it('reads utm_source from the landing URL when the visit has no utm field', () => {
    expect(classifyAttribution(last({ landingPage: '/collections/all?utm_source=tiktok&utm_medium=paid' }))).toMatchObject({
      attribution: 'utm',
      utmSource: 'tiktok',
    });
  });

  it.each([
    ['https://www.tiktok.com/@brand/video/1', 'www.tiktok.com'],
    ['https://tiktok.com/', 'tiktok.com'],
    ['https://vm.tiktok.com/ZMabc/', 'vm.tiktok.com'],
    ['m.tiktok.com/v/1.html', 'm.tiktok.com'],
    ['https://WWW.TIKTOK.COM./', 'www.tiktok.com'],
  ])('referrer %s counts as TikTok host %s', (referrerUrl, host) => {
    expect(classifyAttribution(last({ referrerUrl }))).toMatchObject({ attribution: 'referrer', visit: 'last', referrerHost: host });
  });

  it.each(['https://nottiktok.com/', 'https://tiktok.com.evil.example/', 'https://example.com/?ref=tiktok.com', 'not a url at all'])(
    'referrer %s is not TikTok',
    (referrerUrl) => {
      expect(classifyAttribution(last({ referrerUrl })).attribution).toBe('none');
    },
  );

  it('uses the platform source as the weakest evidence', () => {
    expect(classifyAttribution(last({ source: 'TikTok', sourceType: 'SOCIAL' }))).toMatchObject({
      attribution: 'platform_source',
      visit: 'last',
    });
    expect(classifyAttribution(last({ source: 'direct' })).attribution).toBe('none');
  });

  it('takes the strongest evidence from either visit', () => {
    const result = classifyAttribution({
      first: { landingPage: '/?ttclid=first-click' },
      last: { utmSource: 'tiktok', referrerUrl: 'https://www.tiktok.com/' },
    });
    expect(result).toMatchObject({ attribution: 'click_id', visit: 'first', ttclid: 'first-click', utmSource: null });

    expect(
      classifyAttribution({ first: { referrerUrl: 'https://www.tiktok.com/' }, last: { source: 'tiktok' } }),
    ).toMatchObject({ attribution: 'referrer', visit: 'first', referrerHost: 'www.tiktok.com' });
  });

  it('prefers the last visit on a tie', () => {
    const result = classifyAttribution({ first: { utmSource: 'tiktok' }, last: { utmSource: 'tt' } });
    expect(result).toMatchObject({ attribution: 'utm', visit: 'last', utmSource: 'tt' });
  });
});

describe('ttclidFromLandingPage', () => {
  it('reads the click id from paths and URLs', () => {
    expect(ttclidFromLandingPage('/p?a=1&ttclid=abc')).toBe('abc');
    expect(ttclidFromLandingPage('https://x.example/p?ttclid=%20abc%20')).toBe('abc');
    expect(ttclidFromLandingPage(null)).toBeNull();
    expect(ttclidFromLandingPage('/wallets/checkouts.json')).toBeNull();
  });
});
